"""Reads of frameworks. Built-in frameworks (no organisation) are readable by every organisation;
an organisation's own frameworks only by its members."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from soms.frameworks.document import FrameworkDocument, StoredDocument
from soms.frameworks.models import Element, Framework, FrameworkVersion, Level, Statement, VersionStatus
from soms.tenancy.models import Organisation


def frameworks_visible_to(*, organisation: Organisation | None, drafts: bool = True) -> QuerySet[Framework]:
    """The frameworks of `organisation` and the built-ins, with their versions; without `drafts`
    (a member who may not read drafts) only published versions come along."""
    # Lists show a summary of each version (the API's VersionSummaryOut, the page's latest label);
    # the rules, notes and exchange metadata are JSON and text decoded for nothing.
    versions = FrameworkVersion.objects.order_by("-created_at").only(
        "id", "framework_id", "label", "status", "published_at", "attribution", "created_at"
    )
    if not drafts:
        versions = versions.filter(status=VersionStatus.PUBLISHED)
    counted = (
        Count("versions") if drafts else Count("versions", filter=Q(versions__status=VersionStatus.PUBLISHED))
    )
    return (
        Framework.objects.filter(Q(organisation__isnull=True) | Q(organisation=organisation))
        .annotate(version_count=counted)
        .prefetch_related(Prefetch("versions", queryset=versions))
    )


def latest_published_version(framework: Framework) -> FrameworkVersion | None:
    return framework.versions.filter(status="published").order_by("-published_at", "-id").first()


# The grid is drawn a page of elements at a time, so that no version, however large, costs a
# request more than one page: at most GRID_ELEMENTS_PER_PAGE rows, filled up to about
# GRID_STATEMENTS_PER_PAGE statements, and at most GRID_CELL_STATEMENTS in any one cell (the rest of
# a cell is behind its "show all" link, a paged list). A framework of real size (SOMS: 7 elements,
# SFIA's skills by levels) is one page, as before.
GRID_ELEMENTS_PER_PAGE = 25
GRID_STATEMENTS_PER_PAGE = 400
GRID_CELL_STATEMENTS = 20
# Statements per page of one cell's list.
CELL_STATEMENTS_PER_PAGE = 100


@dataclass
class GridCell:
    level: Level
    statements: list[Statement] = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        return self.total - len(self.statements)


@dataclass
class GridRow:
    element: Element
    cells: list[GridCell] = field(default_factory=list)


@dataclass(frozen=True)
class GridPages:
    """How a version's elements fall into pages: `pages[i]` holds the element ids of page i + 1."""

    pages: list[list[int]]
    element_count: int
    statement_count: int

    def page_of(self, element_id: int) -> int | None:
        for number, ids in enumerate(self.pages, start=1):
            if element_id in ids:
                return number
        return None


@dataclass
class Grid:
    version: FrameworkVersion
    levels: list[Level]
    rows: list[GridRow]
    groups: list[str]
    page: int = 1
    pages: int = 1
    # The version's elements and statements, all pages together.
    element_count: int = 0
    statement_count: int = 0
    # Position of this page's first and last element among all (1-based).
    first: int = 0
    last: int = 0


def grid_pages(*, version: FrameworkVersion, level_count: int) -> GridPages:
    """Split the elements, in their order, into pages: one query of ids and counts, whatever the
    size. A row weighs what it can show (its statements, at most GRID_CELL_STATEMENTS a cell), so
    a page stops at GRID_ELEMENTS_PER_PAGE rows or when the next row would take it past
    GRID_STATEMENTS_PER_PAGE statements; a row heavier than that has a page of its own."""
    per_row_max = max(level_count, 1) * GRID_CELL_STATEMENTS
    pages: list[list[int]] = []
    current: list[int] = []
    weight = 0
    statements = 0
    # order_by: the model's ordering starts with "version", a join to the versions for nothing.
    counted = version.elements.order_by("order", "id").annotate(n=Count("statements")).values_list("id", "n")
    for element_id, n in counted:
        statements += n
        row = min(n, per_row_max)
        if current and (len(current) >= GRID_ELEMENTS_PER_PAGE or weight + row > GRID_STATEMENTS_PER_PAGE):
            pages.append(current)
            current, weight = [], 0
        current.append(element_id)
        weight += row
    if current or not pages:
        pages.append(current)
    return GridPages(pages=pages, element_count=sum(len(p) for p in pages), statement_count=statements)


def version_grid(
    *,
    version: FrameworkVersion,
    page: int = 1,
    pages: GridPages | None = None,
    levels: list[Level] | None = None,
) -> Grid:
    """Elements down, levels across, statements in the cells, for one page of elements: five
    queries (levels, the paging, the page's elements, their cells' counts, their first statements),
    whatever the size of the version. `page` must be one of `pages` (1-based)."""
    levels = list(version.levels.all()) if levels is None else levels
    pages = pages or grid_pages(version=version, level_count=len(levels))
    ids = pages.pages[page - 1]
    elements = list(version.elements.filter(pk__in=ids).order_by("order", "id")) if ids else []
    column = {lv.pk: i for i, lv in enumerate(levels)}
    rows = {el.pk: GridRow(element=el, cells=[GridCell(level=lv) for lv in levels]) for el in elements}
    if ids:
        # By element alone (the ids are this version's): with the version too, SQLite reads the
        # version's whole index (20,000 rows) instead of the page's elements'.
        on_page = Statement.objects.filter(element_id__in=ids)
        for element_id, level_id, n in (
            on_page.order_by().values_list("element_id", "level_id").annotate(n=Count("id"))
        ):
            rows[element_id].cells[column[level_id]].total = n
        # The first GRID_CELL_STATEMENTS of each cell, in the cell's order, chosen by the database.
        first_of_cells = on_page.annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("element_id"), F("level_id")],
                order_by=[F("order").asc(), F("id").asc()],
            )
        ).filter(place__lte=GRID_CELL_STATEMENTS)
        for st in first_of_cells.order_by("order", "id"):
            rows[st.element_id].cells[column[st.level_id]].statements.append(st)
    groups = list(dict.fromkeys(el.group for el in elements if el.group))
    before = sum(len(p) for p in pages.pages[: page - 1])
    return Grid(
        version=version,
        levels=levels,
        rows=[rows[el.pk] for el in elements],
        groups=groups,
        page=page,
        pages=len(pages.pages),
        element_count=pages.element_count,
        statement_count=pages.statement_count,
        first=before + 1 if ids else 0,
        last=before + len(ids),
    )


def cell_statements(*, version: FrameworkVersion, element: Element, level: Level) -> QuerySet[Statement]:
    """Every statement of one grid cell, in the cell's order (the cell page pages through them)."""
    return version.statements.filter(element=element, level=level).order_by("order", "id")


class VersionIncomplete(Exception):
    """The version is not (yet) a whole, consistent framework document: a draft in progress."""

    def __init__(self, version: FrameworkVersion, problems: list[tuple[str, str]]) -> None:
        self.version = version
        self.problems = problems
        listed = "; ".join(f"{loc}: {message}" for loc, message in problems)
        super().__init__(f"{version} cannot be exported yet: {listed}")


def version_document(*, version: FrameworkVersion) -> FrameworkDocument:
    """The whole version as a native document (exports, copies). A draft that is not yet whole
    raises VersionIncomplete listing every problem; read it with version_document_stored."""
    data = _document_data(version)
    problems = StoredDocument.model_validate(data).problems()
    if problems:
        raise VersionIncomplete(version, problems)
    return FrameworkDocument.model_validate(data)


def version_document_stored(*, version: FrameworkVersion) -> StoredDocument:
    """The version as stored, whole or not (the API's full view); `.problems()` says what is missing.
    Each part was validated when it was written, so this never fails on a draft in progress."""
    return StoredDocument.model_validate(_document_data(version))


def _document_data(version: FrameworkVersion) -> dict[str, Any]:
    levels = list(version.levels.all())
    elements = list(version.elements.all())
    fw = version.framework
    element_codes = {el.code for el in elements}
    # Statements in their stored order (the order of the document they came from), whatever level.
    statements_of: dict[int, list[Statement]] = {el.pk: [] for el in elements}
    for st in (
        version.statements.select_related("level", "parent").prefetch_related("areas").order_by("order", "id")
    ):
        statements_of[st.element_id].append(st)
    declared_areas = [
        a
        for a in version.areas.select_related("element").all()
        if not (version.rules.get("areas", "elements") == "elements" and a.code in element_codes)
    ]
    return {
        "framework": {"code": fw.code, "name": fw.name, "description": fw.description, "kind": fw.kind},
        "version": {
            "label": version.label,
            "attribution": version.attribution,
            "notes": version.notes,
            "rules": version.rules,
            "uuid": version.uuid,
            "source_meta": version.source_meta,
        },
        "levels": [
            {
                "code": lv.code,
                "name": lv.name,
                "rank": lv.rank,
                "description": lv.description,
                "validity_months": lv.validity_months,
                "uuid": lv.uuid,
            }
            for lv in levels
        ],
        "elements": [
            {
                "code": el.code,
                "name": el.name,
                "description": el.description,
                "group": el.group,
                "item_type": el.item_type,
                "uuid": el.uuid,
                "statements": [
                    {
                        "code": st.code,
                        "level": st.level.code,
                        "text": st.text,
                        "areas": [a.code for a in st.areas.all()],
                        "parent": st.parent.code if st.parent else None,
                        "item_type": st.item_type,
                        "uuid": st.uuid,
                    }
                    for st in statements_of[el.pk]
                ],
            }
            for el in elements
        ],
        "areas": [
            {"code": a.code, "name": a.name, "element": a.element.code if a.element else None}
            for a in declared_areas
        ],
        "external_associations": version.external_associations,
    }


def describe_rules(*, version: FrameworkVersion, levels: list[Level]) -> list[str]:
    """The version's rules as sentences for people, with level names rather than codes."""
    from soms.frameworks.rules import FrameworkRules

    rules = FrameworkRules.model_validate(version.rules)
    name = {lv.code: lv.name for lv in levels}
    out: list[str] = []
    if rules.cumulative_levels:
        out.append("Levels are cumulative: each level needs the one below it in the same element.")
    if rules.level_requires_all_statements:
        out.append(
            "A level is held when every statement of it is validated by someone other than the person "
            f"assessed ({', '.join(rules.validator_roles)}). Self-assessment informs but never certifies."
        )
    if rules.change_project:
        cp = rules.change_project
        area_word = "elements" if rules.areas == "elements" else "declared sub-areas"
        out.append(
            f"{name.get(cp.level, cp.level)} needs a completed, validated change project that "
            + ("addresses the element and " if cp.must_address_element else "")
            + f"at least {cp.min_areas} areas in all (areas are the framework's {area_word})."
        )
    for step in rules.standing:
        count = "all" if step.elements == "all" else f"at least {step.elements}"
        out.append(
            f"Overall standing “{step.label}” when {count} elements are at "
            f"{name.get(step.level, step.level)} or above."
        )
    with_validity = [lv for lv in levels if lv.validity_months]
    for lv in with_validity:
        out.append(
            f"{lv.name} must be refreshed every {lv.validity_months} months; it shows as refresh due "
            f"{rules.refresh_due_months_before} months before it expires."
        )
    if rules.expectations:
        ex = rules.expectations
        out.append(
            f"Each capability wants {ex.specialists_wanted} specialist(s) at {name.get(ex.specialist_min_level, ex.specialist_min_level)} "
            f"or above and {ex.backups_wanted} backup(s)"
            + (
                f" at {name.get(ex.backup_min_level, ex.backup_min_level)} or above."
                if ex.backup_min_level
                else "."
            )
        )
    if rules.scale_note:
        out.append(rules.scale_note)
    return out
