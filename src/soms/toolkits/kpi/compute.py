"""KPI calculators and downloads over the core: one place that pages, API and CLI call."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from soms.charts import for_screens, kpi_trend
from soms.core import kpi as core
from soms.toolkits.kpi.schemas import CsatIn, FcrIn, NpsIn, SlaIn, calendar_of
from soms.toolkits.kpi.selectors import kpi_state, thresholds_of
from soms.toolkits.models.saved import Kpi
from soms.toolkits.saved.kinds import plain


def nps(inp: NpsIn) -> dict[str, Any]:
    return plain(core.nps(inp.scores, confidence=inp.confidence))  # type: ignore[no-any-return]


def csat(inp: CsatIn) -> dict[str, Any]:
    scale = core.CsatScale(inp.lowest, inp.highest, inp.satisfied_from)
    return plain(core.csat(inp.scores, scale, confidence=inp.confidence))  # type: ignore[no-any-return]


def sla(inp: SlaIn, *, now: datetime) -> dict[str, Any]:
    """``now`` is aware; ticket times without a zone are local times, judged against local time."""
    moment = inp.now or now
    if inp.now is None:
        tickets = core.parse_tickets_csv(inp.csv)
        zoned = bool(tickets) and tickets[0].opened.tzinfo is not None
        if timezone.is_aware(now):
            moment = now if zoned else timezone.localtime(now).replace(tzinfo=None)
        else:
            moment = now.astimezone() if zoned else now
    result = core.sla_from_csv(
        inp.csv, inp.targets_hours, now=moment, calendar=calendar_of(inp.business_hours)
    )
    return plain(result) | {"now": moment.isoformat()}  # type: ignore[no-any-return]


def fcr(inp: FcrIn) -> dict[str, Any]:
    return plain(core.first_contact_resolution([(c.contacts, c.resolved) for c in inp.cases]))  # type: ignore[no-any-return]


def kpi_document(kpi: Kpi) -> dict[str, Any]:
    state = kpi_state(kpi)
    return {
        "id": kpi.pk,
        "kind": Kpi.RESULT_KIND,
        "name": kpi.name,
        "formula": kpi.formula,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "data_source": kpi.data_source,
        "owner": kpi.owner,
        "frequency": kpi.frequency,
        "target": kpi.target,
        "amber_limit": kpi.amber_limit,
        "revision": kpi.revision,
        "status": state.status.value,
        "trend": state.trend.trend.value,
        "latest": (
            {"period": state.latest.period.isoformat(), "value": state.latest.value} if state.latest else None
        ),
        "measurements": [
            {
                "id": m.pk,
                "period": m.period.isoformat(),
                "value": m.value,
                "status": core.status(m.value, thresholds_of(kpi)).value,
                "note": m.note,
                "source": m.source,
                "details": m.details,
            }
            for m in sorted(kpi.measurements.all(), key=lambda m: m.period)
        ],
    }


def kpi_chart(kpi: Kpi, *, for_page: bool = False) -> str:
    """The KPI's trend: one drawing for a download, wide and phone drawings for a page."""
    unit = f" {kpi.unit}" if kpi.unit and kpi.unit != "%" else kpi.unit
    args = (kpi_state(kpi).points, thresholds_of(kpi))
    if for_page:
        return for_screens(kpi_trend, *args, title=kpi.name, unit=unit, ident=f"kpi-{kpi.pk}")
    return kpi_trend(*args, title=kpi.name, unit=unit, ident=f"kpi-{kpi.pk}")


DOWNLOAD_TYPES = {"csv": "text/csv; charset=utf-8", "svg": "image/svg+xml", "json": "application/json"}


def kpi_download_response(kpi: Kpi, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOAD_TYPES:
        raise ValueError("format: choose csv, svg or json")
    doc = kpi_document(kpi)
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["period", "value", "status", "note", "source"])
        for m in doc["measurements"]:
            w.writerow([m["period"], m["value"], m["status"], m["note"], m["source"]])
        body = out.getvalue()
    elif fmt == "svg":
        body = kpi_chart(kpi)
    else:
        body = json.dumps(doc, indent=1)
    response = HttpResponse(body, content_type=DOWNLOAD_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{slugify(kpi.name)[:60] or f"kpi-{kpi.pk}"}.{fmt}"'
    )
    return response
