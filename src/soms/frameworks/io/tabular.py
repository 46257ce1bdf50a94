"""CSV: one row per statement, for people who work in spreadsheets.

A row with no statement declares an element without statements, or a level no statement uses, so
that the structure survives a round trip. What a CSV cannot carry is listed in io.NOT_CARRIED (and in
docs/case-mapping.md): rules, areas' own names, external associations and identifiers; a CSV import
gets the default rules and fresh identifiers. Framework and version columns may be left out
(or empty): the file name then names the framework.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from django.utils.text import slugify

from soms import limits
from soms.frameworks.document import FrameworkDocument
from soms.frameworks.io.native import document_from_data
from soms.frameworks.io.problems import FrameworkImportError, Problem

COLUMNS = [
    "framework_code",
    "framework_name",
    "framework_description",
    "framework_kind",
    "version_label",
    "version_attribution",
    "version_notes",
    "element_code",
    "element_name",
    "element_group",
    "element_description",
    "element_type",
    "level_code",
    "level_name",
    "level_rank",
    "level_description",
    "level_validity_months",
    "statement_code",
    "statement_text",
    "statement_parent",
    "statement_type",
    "areas",
]
REQUIRED = {"element_code", "level_code", "statement_code", "statement_text"}
# Said once for the whole file; a row may leave them empty, a row that fills one must agree.
HEAD_COLUMNS = (
    "framework_code",
    "framework_name",
    "framework_description",
    "framework_kind",
    "version_label",
    "version_attribution",
    "version_notes",
)
COLUMNS_HELP = [
    f"A framework CSV has a header row with some of these columns: {', '.join(COLUMNS)}. "
    f"{', '.join(sorted(REQUIRED))} are required; the others may be left out."
]
AREA_SEPARATOR = "|"
# A cell starting with one of these runs as a formula in a spreadsheet; it travels behind a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def _protect(value: str) -> str:
    return "'" + value if value.lstrip("'")[:1] in FORMULA_START and value else value


def _unprotect(value: str) -> str:
    return value[1:] if value.startswith("'") and value.lstrip("'")[:1] in FORMULA_START else value


def dump_csv(document: FrameworkDocument) -> bytes:
    out = io.StringIO()
    # Excel reads UTF-8 only with a byte-order mark; every other reader skips it.
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    fw, version = document.framework, document.version
    head = [fw.code, fw.name, fw.description, fw.kind, version.label, version.attribution, version.notes]
    levels = {lv.code: lv for lv in document.levels}
    used: set[str] = set()
    no_level = [""] * 5
    no_statement = [""] * 5

    def level_cells(code: str) -> list[str]:
        lv = levels[code]
        months = str(lv.validity_months) if lv.validity_months else ""
        return [lv.code, lv.name, str(lv.rank), lv.description, months]

    for el in document.elements:
        element = [el.code, el.name, el.group, el.description, el.item_type]
        if not el.statements:
            writer.writerow([_protect(c) for c in [*head, *element, *no_level, *no_statement]])
        for st in el.statements:
            used.add(st.level)
            row = [
                *head,
                *element,
                *level_cells(st.level),
                st.code,
                st.text,
                st.parent or "",
                st.item_type,
                AREA_SEPARATOR.join(st.areas),
            ]
            writer.writerow([_protect(c) for c in row])
    for lv in sorted(document.levels, key=lambda lv: lv.rank):
        if lv.code not in used:
            row = [*head, "", "", "", "", "", *level_cells(lv.code), *no_statement]
            writer.writerow([_protect(c) for c in row])
    return out.getvalue().encode("utf-8")


class _Rows:
    """Collects what the rows declare and every problem, with row and column."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.elements: dict[str, dict[str, Any]] = {}
        self.element_rows: dict[str, int] = {}
        self.levels: dict[str, dict[str, Any]] = {}
        self.statement_rows: dict[str, int] = {}
        self.head: dict[str, tuple[str, int]] = {}

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem.at(f"row {row}, column {column}", message))

    def same(self, row: int, column: str, what: str, stored: dict[str, Any], key: str, value: Any) -> None:
        """A second row about the same element or level must agree with the first."""
        if value in ("", None):
            return
        if stored.get(key) in ("", None):
            stored[key] = value
        elif stored[key] != value:
            self.problem(row, column, f"{what} says {value!r} here but {stored[key]!r} in an earlier row")


def parse_csv(text: str, *, filename: str = "") -> FrameworkDocument:
    # strict: a quote left open runs to the end of the file, which the lenient reader would take as
    # one long cell and import; here it is malformed, with the row it starts on.
    reader = csv.reader(io.StringIO(text.removeprefix(BOM)), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise FrameworkImportError(
            [Problem.at("row 1", "the file is empty; it needs a header row")]
        ) from None
    except csv.Error as exc:
        raise FrameworkImportError([Problem.at("row 1", f"malformed CSV: {exc}")]) from None
    if len(header) > limits.MAX_CSV_COLUMNS:
        raise FrameworkImportError(
            [
                Problem.at(
                    "row 1", limits.over("columns", len(header), limits.MAX_CSV_COLUMNS, "MAX_CSV_COLUMNS")
                )
            ],
            help=COLUMNS_HELP,
        )
    unknown = [h for h in header if h not in COLUMNS]
    missing = sorted(REQUIRED - set(header))
    problems = [Problem.at(f"row 1, column {h or '(empty)'}", f"unknown column {h!r}") for h in unknown]
    problems += [Problem.at("row 1", f"required column {m!r} is missing") for m in missing]
    # Counted once: header.count() per column was quadratic, and a 45,000-column header kept an
    # import busy for a minute.
    duplicated = sorted(h for h, n in Counter(header).items() if n > 1)
    problems += [Problem.at(f"row 1, column {h}", "the column appears twice") for h in duplicated]
    help = COLUMNS_HELP if problems else []
    if missing:
        # Without a required column no row can be read; other header faults still let the rows be
        # checked, so that one pass reports every problem.
        raise FrameworkImportError(problems, help=help)

    acc = _Rows()
    statements: dict[str, list[dict[str, Any]]] = {}
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):  # noqa: B007 - read after the loop
            if number - 1 > limits.MAX_CSV_ROWS:
                # Stop reading: the rest of the file would only cost time.
                raise FrameworkImportError(
                    [
                        Problem.at(
                            f"row {number}",
                            f"the file has more than {limits.MAX_CSV_ROWS:,} rows: at most "
                            f"{limits.MAX_CSV_ROWS:,} are accepted (limit MAX_CSV_ROWS)",
                        )
                    ]
                )
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                acc.problem(
                    number,
                    str(len(header) + 1),
                    f"the row has {len(cells)} cells but the header {len(header)}",
                )
                continue
            row = {h: _unprotect(c).strip() for h, c in zip(header, cells, strict=False)}
            _read_row(acc, number, row, statements)
    except csv.Error as exc:
        acc.problems.append(Problem.at(f"row {number + 1}", f"malformed CSV: {exc}"))
    problems += acc.problems
    if not acc.elements:
        raise FrameworkImportError([*problems, Problem.at("row 2", "the file has no elements")], help=help)
    try:
        # Built even when rows were wrong: what the rows say together (unknown levels and areas,
        # parents, limits) is reported in the same pass.
        document = _document(acc, statements, filename)
    except FrameworkImportError as exc:
        problems += exc.problems
    if problems:
        raise FrameworkImportError(problems, help=help)
    return document


def _read_row(acc: _Rows, n: int, row: dict[str, str], statements: dict[str, list[dict[str, Any]]]) -> None:
    for column in HEAD_COLUMNS:
        value = row.get(column, "")
        if value:
            first = acc.head.setdefault(column, (value, n))
            if first[0] != value:
                acc.problem(n, column, f"{column} is {value!r} here but {first[0]!r} in row {first[1]}")
    level_code = row.get("level_code", "")
    if level_code:
        level = acc.levels.setdefault(
            level_code,
            {
                "code": level_code,
                "name": "",
                "rank": None,
                "description": "",
                "validity_months": None,
                "row": n,
            },
        )
        acc.same(n, "level_name", f"level {level_code!r} name", level, "name", row.get("level_name", ""))
        acc.same(
            n,
            "level_description",
            f"level {level_code!r} description",
            level,
            "description",
            row.get("level_description", ""),
        )
        months = row.get("level_validity_months", "")
        if months:
            if not months.isdigit() or not 1 <= int(months) <= 600:
                acc.problem(
                    n,
                    "level_validity_months",
                    f"months before a refresh must be a whole number from 1 to 600, not {months!r}",
                )
            else:
                acc.same(
                    n,
                    "level_validity_months",
                    f"level {level_code!r} validity",
                    level,
                    "validity_months",
                    int(months),
                )
        rank_text = row.get("level_rank", "")
        if rank_text:
            if not rank_text.isdigit() or not 1 <= int(rank_text) <= 100:
                acc.problem(
                    n, "level_rank", f"level rank must be a whole number from 1 to 100, not {rank_text!r}"
                )
            else:
                acc.same(n, "level_rank", f"level {level_code!r} rank", level, "rank", int(rank_text))
    code = row.get("element_code", "")
    st_code, st_text = row.get("statement_code", ""), row.get("statement_text", "")
    if not code:
        if st_code or st_text:
            acc.problem(n, "element_code", "a statement needs the code of its element")
        elif not level_code:
            acc.problem(n, "element_code", "the row names neither an element nor a level")
        return
    element = acc.elements.get(code)
    if element is None:
        element = acc.elements[code] = {
            "code": code,
            "name": "",
            "group": "",
            "description": "",
            "item_type": "",
        }
        acc.element_rows[code] = n
        statements[code] = []
    for key in ("name", "group", "description"):
        acc.same(n, f"element_{key}", f"element {code!r} {key}", element, key, row.get(f"element_{key}", ""))
    acc.same(n, "element_type", f"element {code!r} type", element, "item_type", row.get("element_type", ""))
    if not st_code and not st_text:
        return
    if not st_code:
        acc.problem(n, "statement_code", "the statement has text but no code")
        return
    if not st_text:
        acc.problem(n, "statement_text", f"statement {st_code!r} has no text")
        return
    if not level_code:
        acc.problem(n, "level_code", f"statement {st_code!r} needs a level")
        return
    if st_code in acc.statement_rows:
        acc.problem(
            n,
            "statement_code",
            f"duplicate statement code {st_code!r} (also row {acc.statement_rows[st_code]})",
        )
        return
    acc.statement_rows[st_code] = n
    statements[code].append(
        {
            "code": st_code,
            "level": level_code,
            "text": st_text,
            "parent": row.get("statement_parent") or None,
            "item_type": row.get("statement_type", ""),
            "areas": [a.strip() for a in row.get("areas", "").split(AREA_SEPARATOR) if a.strip()],
        }
    )


def _document(acc: _Rows, statements: dict[str, list[dict[str, Any]]], filename: str) -> FrameworkDocument:
    stem = filename.rsplit("/", 1)[-1].split(".", 1)[0] or "imported-framework"
    code = acc.head.get("framework_code", (slugify(stem)[:80] or "imported-framework", 0))[0]
    given_ranks = {lv["rank"] for lv in acc.levels.values() if lv["rank"]}
    next_rank = max(given_ranks, default=0)
    levels = []
    for lv in acc.levels.values():
        if not lv["rank"]:
            next_rank += 1
            lv["rank"] = next_rank
        levels.append(
            {
                "code": lv["code"],
                "name": lv["name"] or lv["code"],
                "rank": lv["rank"],
                "description": lv["description"],
                "validity_months": lv["validity_months"],
            }
        )
    levels.sort(key=lambda lv: lv["rank"])

    def head(column: str, default: str = "") -> str:
        return acc.head.get(column, (default, 0))[0]

    data = {
        "framework": {
            "code": code,
            "name": head("framework_name", stem),
            "description": head("framework_description"),
            "kind": head("framework_kind", "skills"),
        },
        "version": {
            "label": head("version_label", "1"),
            "attribution": head("version_attribution"),
            "notes": head("version_notes"),
        },
        "levels": levels,
        "elements": [
            {**el, "name": el["name"] or el["code"], "statements": statements[el["code"]]}
            for el in acc.elements.values()
        ],
    }
    element_codes = list(acc.elements)
    level_codes = [lv["code"] for lv in levels]
    # Areas other than elements have no definition in a CSV; the codes the rows use declare them.
    named = dict.fromkeys(a for sts in statements.values() for st in sts for a in st["areas"])
    data["areas"] = [{"code": a, "name": a} for a in named if a not in acc.elements]

    def locate(loc: tuple[str | int, ...]) -> str:
        # Document paths back to spreadsheet places.
        if loc[:1] == ("elements",) and len(loc) >= 2 and isinstance(loc[1], int):
            el_code = element_codes[loc[1]]
            if len(loc) >= 4 and loc[2] == "statements" and isinstance(loc[3], int):
                st = statements[el_code][loc[3]]
                column = {
                    "level": "level_code",
                    "text": "statement_text",
                    "parent": "statement_parent",
                    "item_type": "statement_type",
                    "areas": "areas",
                }.get(str(loc[4]) if len(loc) > 4 else "code", "statement_code")
                return f"row {acc.statement_rows[st['code']]}, column {column}"
            field = str(loc[2]) if len(loc) > 2 and loc[2] != "statements" else "code"
            column = "element_type" if field == "item_type" else f"element_{field}"
            return f"row {acc.element_rows[el_code]}, column {column}"
        if loc[:1] == ("levels",) and len(loc) >= 2 and isinstance(loc[1], int):
            lv = acc.levels[level_codes[loc[1]]]
            field = str(loc[2]) if len(loc) > 2 else "code"
            column = f"level_{field}" if f"level_{field}" in COLUMNS else "level_code"
            return f"row {lv['row']}, column {column}"
        if loc[:1] == ("framework",):
            return f"column framework_{loc[1] if len(loc) > 1 else 'code'}"
        if loc[:1] == ("version",):
            field = str(loc[1]) if len(loc) > 1 else "label"
            return f"column version_{field}" if f"version_{field}" in COLUMNS else "column version_label"
        return ".".join(str(p) for p in loc)

    return document_from_data(data, locate)
