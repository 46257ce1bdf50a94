"""Team, unit and organisation reports (XLSX and PDF), and a person's development plan (PDF).

Both formats are made from the same data as the pages (`selectors.overview`, `selectors.person`):
the workbook with XlsxWriter in constant-memory mode (rows written in order), the PDF by WeasyPrint
from an HTML template that embeds the same SVG charts. They are rendered in a job (`jobs.py`), never
in a request: a PDF of a large unit takes seconds.
"""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from soms.insights.selectors.overview import (
    charts,
    overview,
    person_rows,
    specialisation_of,
    units_heatmap,
)
from soms.insights.selectors.person import person_view
from soms.insights.selectors.picture import Filters, Picture, picture
from soms.insights.selectors.scope import (
    scope_note,
    scope_title,
    view_capabilities,
    view_cover,
    view_coverage,
    view_single_points,
    view_targets,
)
from soms.insights.selectors.targets import PAGE_GROUPS
from soms.people.models import Person
from soms.tenancy.models import Membership

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The PDF draws one row per person up to this many; beyond it, units × elements (per-person detail
# goes to the workbook, which has no such limit).
PDF_PEOPLE = 200
# Units per units × elements heatmap in the PDF: one drawing of 960 units wide is about 640 tall on
# an A4 landscape page, which holds the title, the legend and about 16 rows; a larger organisation
# gets one heatmap per page, each with its own header and legend.
PDF_UNITS = 14


def _level_name(pic: Picture, code: str | None) -> str:
    return next((lv.name for lv in pic.levels if lv.code == code), "") if code else ""


def team_report_data(
    membership: Membership, version: Any, filters: Filters
) -> tuple[Picture, dict[str, Any]]:
    pic = picture(membership, version, filters)
    ov = overview(
        pic,
        view_targets(membership, version, filters),
        group_units=True,
        scope=filters.unit,
    )
    ov.data["coverage_groups"] = view_cover(membership, version, filters)
    ov.data["coverage"] = view_coverage(ov.data["coverage"], ov.data["coverage_groups"])
    ov.data["single_points"] = view_single_points(membership, ov.data["single_points"])
    ov.data.update(view_capabilities(membership, ov.data))
    return pic, ov.data


def team_xlsx(membership: Membership, version: Any, filters: Filters, progress: Any = None) -> bytes:
    import xlsxwriter

    pic, data = team_report_data(membership, version, filters)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False}
    )
    bold = book.add_format({"bold": True})
    short_fmt = book.add_format({"bg_color": "#fde3e1"})
    title = scope_title(membership, filters)
    summary = book.add_worksheet("Summary")
    summary.set_column(0, 0, 40)
    summary.set_column(1, 6, 14)
    rows: list[list[Any]] = [
        ["Report", f"Capability: {title}"],
        ["Framework", f"{version.framework.name} {version.label}"],
        ["As of", data["as_of"]],
        ["People", data["people"]],
    ]
    if note := scope_note(membership, filters):
        rows.append(["Who", note])
    rows.append([])
    header_row = len(rows)
    rows.append(["Element", "With a requirement", "Below it", "Steps short", "Refresh due", "Expired"])
    dist = {d["element"]: d for d in data["distribution"]}
    for g in data["gaps"]:
        d = dist[g["element"]]
        rows.append(
            [g["name"], g["with_requirement"], g["short"], g["steps_short"], d["refresh_due"], d["expired"]]
        )
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            fmt = bold if j == 0 or i == header_row else None
            if isinstance(value, int):
                summary.write_number(i, j, value, fmt)
            else:
                summary.write_string(i, j, str(value), fmt)
    people = book.add_worksheet("People")
    people.set_column(0, 0, 28)
    people.set_column(1, 2 * len(pic.elements), 16)
    header = ["Person"]
    for e in pic.elements:
        header += [e.name, f"{e.name}: required"]
    for j, text in enumerate(header):
        people.write_string(0, j, text, bold)
    total = len(pic.people)
    for start in range(0, total, 1000):
        for offset, person_row in enumerate(person_rows(pic, start, 1000)):
            r = start + offset + 1
            people.write_string(r, 0, person_row["name"])
            for k, c in enumerate(person_row["cells"]):
                held = _level_name(pic, c["level"]) or "none"
                if c["expired"]:
                    held += " (a higher level expired)"
                elif c["refresh_due"]:
                    held += " (refresh due)"
                people.write_string(r, 1 + 2 * k, held, short_fmt if c["gap"] else None)
                people.write_string(r, 2 + 2 * k, _level_name(pic, c["required"]))
        if progress:
            progress(min(start + 1000, total), total)
    units = book.add_worksheet("Units")
    units.set_column(0, 0, 40)
    units.write_string(0, 0, "Unit", bold)
    units.write_string(0, 1, "People", bold)
    for k, e in enumerate(pic.elements):
        units.write_string(0, 2 + k, f"{e.name}: % meeting requirement", bold)
    for i, u in enumerate(data.get("units", []), start=1):
        units.write_string(i, 0, u["unit"])
        units.write_number(i, 1, u["people"])
        for k, c in enumerate(u["elements"]):
            if c["meeting"] is None:
                units.write_string(i, 2 + k, "no requirement")
            else:
                units.write_number(i, 2 + k, c["meeting"])
    cover = book.add_worksheet("Cover")
    cover.set_column(0, 3, 30)
    for j, text in enumerate(["Target", "Covered", "Refresh due", "State"]):
        cover.write_string(0, j, text, bold)
    if not data["coverage_groups"]["shown"]:
        cover.write_string(1, 0, data["coverage_groups"]["note"])
    for i, c in enumerate(data["coverage"], start=1):
        cover.write_string(i, 0, f"{c['minimum']} at {c['level']} in {c['name']}")
        cover.write_number(i, 1, c["covered"])
        cover.write_number(i, 2, c["refresh_due"])
        cover.write_string(i, 3, c["state"].replace("_", " "))
    beneath = book.add_worksheet("Targets beneath")
    beneath.set_column(0, 0, 48)
    beneath.set_column(1, 1, 8)
    beneath.set_column(2, 2, 48)
    beneath.set_column(3, 6, 12)
    for j, text in enumerate(
        ["Unit or team", "Kind", "Target", "Covered", "Refresh due", "State", "Short by"]
    ):
        beneath.write_string(0, j, text, bold)
    r = 1
    if not data["coverage_groups"]["shown"]:
        beneath.write_string(r, 0, data["coverage_groups"]["note"])
        r += 1
    if data["coverage_groups"].get("held_back"):
        beneath.write_string(r, 0, data["coverage_groups"]["held_back_note"])
        r += 1
    if data["coverage_groups"].get("narrowed"):
        beneath.write_string(r, 0, data["coverage_groups"]["narrowed_note"])
        r += 1
    for g in data["coverage_groups"]["groups"]:
        place = f"{g['name']} ({g['path']})" if g["kind"] == "team" and g["path"] else g["path"] or g["name"]
        for c in g["targets"]:
            beneath.write_string(r, 0, place)
            beneath.write_string(r, 1, g["kind"])
            beneath.write_string(r, 2, f"{c['minimum']} at {c['level']} in {c['name']}")
            beneath.write_number(r, 3, c["covered"])
            beneath.write_number(r, 4, c["refresh_due"])
            beneath.write_string(r, 5, c["state"].replace("_", " "))
            beneath.write_number(r, 6, c["missing"])
            r += 1
    sp = data["single_points"]
    spof = book.add_worksheet("Single points")
    spof.set_column(0, 2, 36)
    for j, text in enumerate(["Element", "Level", "Held only by"]):
        spof.write_string(0, j, text, bold)
    r = 1
    if not sp.get("shown", True):
        spof.write_string(r, 0, sp["note"])
        r += 1
    for u in sp["uncovered"]:
        spof.write_string(r, 0, u["name"])
        spof.write_string(r, 1, u["level"])
        spof.write_string(r, 2, "nobody")
        r += 1
    for s in sp["sole"]:
        spof.write_string(r, 0, s["name"])
        spof.write_string(r, 1, s["level"])
        spof.write_string(r, 2, s["person_name"])
        r += 1
    if data.get("capabilities") or data.get("capabilities_note"):
        caps = book.add_worksheet("Specialists")
        caps.set_column(0, 0, 32)
        caps.set_column(1, 3, 48)
        for j, text in enumerate(["Capability", "Specialists", "Back-ups", "State"]):
            caps.write_string(0, j, text, bold)
        if data.get("capabilities_note"):
            caps.write_string(1, 0, data["capabilities_note"])
        for i, c in enumerate(data["capabilities"], start=1):
            caps.write_string(i, 0, c["name"])
            caps.write_string(i, 1, ", ".join(c["specialists"]))
            caps.write_string(i, 2, ", ".join(c["backups"]))
            caps.write_string(i, 3, c["state"])
    if data.get("specialisation") is not None:
        # Every person of the report (the page and the PDF list the first ones).
        spec = specialisation_of(pic, list(pic.holdings.people))
        sheet = book.add_worksheet("Specialisation")
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 4, 18)
        sheet.set_column(5, 5, 60)
        top = spec["top"]
        for j, text in enumerate(
            ["Person", "Breadth", "Highest level", f"% in the {top} strongest", "Reads as", "Strongest"]
        ):
            sheet.write_string(0, j, text, bold)
        for i, p in enumerate(spec["people"], start=1):
            sheet.write_string(i, 0, p["name"])
            sheet.write_number(i, 1, p["breadth"])
            sheet.write_string(i, 2, p["highest"] or "")
            if p["top_share"] is None:
                sheet.write_string(i, 3, "")
            else:
                sheet.write_number(i, 3, p["top_share"])
            sheet.write_string(i, 4, p["kind"])
            sheet.write_string(i, 5, ", ".join(f"{s['name']} ({s['level']})" for s in p["strongest"]))
    elif data.get("specialisation_note"):
        sheet = book.add_worksheet("Specialisation")
        sheet.set_column(0, 0, 120)
        sheet.write_string(0, 0, data["specialisation_note"])
    book.close()
    return buffer.getvalue()


def team_html(membership: Membership, version: Any, filters: Filters) -> str:
    pic, data = team_report_data(membership, version, filters)
    title = scope_title(membership, filters)
    svg: dict[str, str] = {}
    if pic.people:
        from soms.insights.selectors.overview import Overview

        grid_data = dict(data)
        grid_data["rows"] = person_rows(pic, 0, PDF_PEOPLE) if len(pic.people) <= PDF_PEOPLE else []
        svg = charts(Overview(pic, grid_data), title=f"{title}: levels per element")
    units = data.get("units") or []
    unit_charts = [
        mark_safe(  # noqa: S308 - our own SVG, every text escaped
            units_heatmap(
                units[start : start + PDF_UNITS],
                pic.element_names,
                title=title
                if len(units) <= PDF_UNITS
                else f"{title} (units {start + 1}–{min(start + PDF_UNITS, len(units))} of {len(units)})",
                ident=f"units-{start}",
            )
        )
        for start in range(0, len(units), PDF_UNITS)
    ]
    return render_to_string(
        "insights/report.html",
        {
            "title": title,
            "note": scope_note(membership, filters),
            "version": version,
            "data": data,
            "grid": mark_safe(svg.get("grid", "")),  # noqa: S308 - our own SVG, every text escaped
            "unit_charts": unit_charts,
            "coverage_chart": mark_safe(svg.get("coverage", "")),  # noqa: S308 - as above
            "specialisation_chart": mark_safe(svg.get("specialisation", "")),  # noqa: S308 - as above
            "many": len(pic.people) > PDF_PEOPLE,
            "pdf_people": PDF_PEOPLE,
            "pdf_units": PDF_UNITS,
            "pdf_groups": PAGE_GROUPS,
        },
    )


def plan_html(membership: Membership, person: Person, version: Any) -> str:
    view = person_view(membership, person, version)
    return render_to_string(
        "insights/plan_report.html",
        {"person": person, "version": version, **view, "radar": mark_safe(view["radar"])},  # noqa: S308 - our own SVG
    )


def pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
