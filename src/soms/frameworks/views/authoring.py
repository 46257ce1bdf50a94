"""Pages for authoring frameworks: create or adapt, edit a draft (inline in the grid with htmx),
rules, publish, compare two versions and map statements from the old onto the new.

Writes need the owner or admin role: the decorator answers 403 before any lookup, so a refusal
never tells whether an id exists. When someone else saved the draft first, the page says so and
shows the form again with what the user typed, bound to the new revision.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from soms.core.framework_diff import word_changes
from soms.frameworks import access, suggest
from soms.frameworks.forms import (
    AreaForm,
    DraftCreateForm,
    ElementForm,
    FrameworkCreateForm,
    LevelForm,
    MoveForm,
    RevisionForm,
    RulesForm,
    StatementForm,
    StatementTextForm,
)
from soms.frameworks.models import FrameworkVersion, MappingKind, Statement
from soms.frameworks.rules import FrameworkRules
from soms.frameworks.selectors import authoring as selectors_authoring
from soms.frameworks.selectors.versions import CELL_STATEMENTS_PER_PAGE, GRID_CELL_STATEMENTS
from soms.frameworks.services import authoring as services_authoring
from soms.frameworks.services.authoring import (
    InvalidField,
    ItemInUse,
    LimitReached,
    PublishBlocked,
    StaleRevision,
    VersionPublished,
)
from soms.ratelimits import rate_limited
from soms.tenancy.access import member_required, role_required
from soms.tenancy.pages import bad_request
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest

KIND_FORMS: dict[str, type[RevisionForm]] = {
    "levels": LevelForm,
    "elements": ElementForm,
    "areas": AreaForm,
    "statements": StatementForm,
}
NEEDS_VERSION = (AreaForm, StatementForm)
KEPT_INPUT = " Your input is kept below: check it against their changes and save again."


def _kind(kind: str) -> str:
    if kind not in KIND_FORMS:
        raise Http404("No such part of a framework")
    return kind


def _version(request: MemberRequest, version_id: int) -> FrameworkVersion:
    return access.authoring_version_for(request.membership, version_id)


def _grid_url(version: FrameworkVersion, anchor: str = "", *, element_id: int | None = None) -> str:
    # The grid is paged by element: `element` opens the page that holds the one just changed.
    query = f"?element={element_id}" if element_id else ""
    return reverse("framework-version", args=[version.pk]) + query + (f"#{anchor}" if anchor else "")


def _published(request: MemberRequest, version: FrameworkVersion) -> HttpResponse:
    messages.error(
        request, f"{version} is published and never changes. Start a new draft from it to make changes."
    )
    if request.htmx:
        # A redirect followed by htmx would swap the whole page into one grid cell.
        return HttpResponseClientRedirect(_grid_url(version))
    return redirect(_grid_url(version))


def _rebound(form_class: type[RevisionForm], request: MemberRequest, version: FrameworkVersion) -> Any:
    """The user's input again, now based on the current revision, so a second save goes through."""
    version.refresh_from_db(fields=["revision"])
    data: QueryDict = request.POST.copy()
    data["revision"] = str(version.revision)
    form = form_class(data, version=version) if form_class in NEEDS_VERSION else form_class(data)
    form.is_valid()
    return form


def _place_error(form: Any, exc: InvalidField) -> None:
    form.add_problems(exc.problems)


# --- creating frameworks and drafts ----------------------------------------------------------------


@role_required("framework.create")
@require_http_methods(["GET", "POST"])
def framework_create(request: MemberRequest) -> HttpResponse:
    bases = selectors_authoring.base_candidates(organisation=request.organisation)
    status = 200
    if request.method == "POST":
        form = FrameworkCreateForm(request.POST, bases=bases)
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = services_authoring.framework_create(
                    organisation=request.organisation,
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    description=data["description"],
                    kind=data["kind"],
                    label=data["label"],
                    base=data["base"],
                )
            except InvalidField as exc:
                _place_error(form, exc)
            else:
                messages.success(
                    request, f"{version.framework.name} created; its draft {version.label} is open."
                )
                return redirect(_grid_url(version))
        status = 400
    else:
        base = next((b for b in bases if str(b.pk) == request.GET.get("base")), None)
        initial: dict[str, Any] = {"base": base, "label": "1"}
        if base is not None:
            initial.update(
                name=f"{base.framework.name} (adapted)",
                code=f"{base.framework.code}-adapted",
                kind=base.framework.kind,
                description=base.framework.description,
            )
        form = FrameworkCreateForm(initial=initial, bases=bases)
    return render(request, "frameworks/authoring/framework_form.html", {"form": form}, status=status)


@role_required("framework_version.adapt")
@require_http_methods(["GET", "POST"])
def version_draft_create(request: MemberRequest, version_id: int) -> HttpResponse:
    base = access.framework_version_for(request.membership, version_id)
    if base.framework.organisation_id is None:
        # A built-in framework is adapted into a framework of the organisation's own.
        return redirect(reverse("framework-create") + f"?base={base.pk}")
    if not base.is_published:
        messages.error(request, "Only a published version can be the start of a new draft.")
        return redirect(_grid_url(base))
    status = 200
    if request.method == "POST":
        form = DraftCreateForm(request.POST)
        if form.is_valid():
            try:
                version = services_authoring.framework_version_draft_create(
                    framework=base.framework, base=base, label=form.cleaned_data["label"], actor=request.user
                )
            except InvalidField as exc:
                _place_error(form, exc)
            else:
                messages.success(request, f"Draft {version.label} started from {base.label}.")
                return redirect(_grid_url(version))
        status = 400
    else:
        labels = list(base.framework.versions.order_by("created_at", "id").values_list("label", flat=True))
        form = DraftCreateForm(
            initial={"label": suggest.next_label(labels[-1] if labels else base.label, labels)}
        )
    return render(
        request, "frameworks/authoring/draft_form.html", {"form": form, "base": base}, status=status
    )


# --- editing a draft -------------------------------------------------------------------------------


@role_required("framework_version.author")
@require_GET
def version_structure(request: MemberRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    if version.is_published:
        return _published(request, version)
    rules = FrameworkRules.model_validate(version.rules)
    levels = list(version.levels.annotate(statement_count=Count("statements")))
    for level in levels:
        # A level the rules name cannot go: the page says why instead of offering Delete.
        uses = rules.level_references(level.code)
        reason = f"Named by {', '.join(uses)}: change the rules before deleting it." if uses else ""
        setattr(level, "kept_by", reason)  # noqa: B010 - a page-only attribute on the row
    return render(
        request,
        "frameworks/authoring/structure.html",
        {
            "version": version,
            "framework": version.framework,
            "levels": levels,
            "elements": version.elements.annotate(statement_count=Count("statements")),
            "areas": version.areas.select_related("element"),
        },
    )


# Ids and revisions in query strings and hand-made forms: digits only, and few enough to fit the
# database's integers. Anything else is the client's mistake (400), not the server's (500).
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


class BadParameter(ValueError):
    """A query or form parameter that is not what the page sends; the message names it."""


def _whole_number(params: QueryDict, name: str) -> int | None:
    """The parameter as a whole number, None when it is absent or empty."""
    value = params.get(name) or ""
    if not value:
        return None
    if not _WHOLE_NUMBER.fullmatch(value):
        raise BadParameter(f"{name}: a whole number is required, not {value[:40]!r}")
    return int(value)


def _item_initial(kind: str, item: Any, request: MemberRequest, version: FrameworkVersion) -> dict[str, Any]:
    initial: dict[str, Any] = {"revision": version.revision}
    if item is not None:
        for field in services_authoring.EDITABLE_FIELDS[kind]:
            initial[field] = getattr(item, field)
        if kind == "statements":
            initial["areas"] = list(item.areas.all())
    elif kind == "statements":
        element = version.elements.filter(pk=_whole_number(request.GET, "element") or 0).first()
        level = version.levels.filter(pk=_whole_number(request.GET, "level") or 0).first()
        initial["element"], initial["level"] = element, level
        if element is not None:
            initial["code"] = _next_statement_code(version, element, level)
    elif kind == "levels":
        initial["rank"] = (max(version.levels.values_list("rank", flat=True), default=0)) + 1
    return initial


def _next_statement_code(version: FrameworkVersion, element: Any, level: Any) -> str:
    """The code *Add statement* offers: the next one in the element at that level."""
    rows = list(
        version.statements.filter(element=element)
        .order_by("level__rank", "order", "id")
        .values_list("code", "level_id")
    )
    return suggest.next_statement_code(
        cell_codes=[code for code, level_id in rows if level is not None and level_id == level.pk],
        element_codes=[code for code, _ in rows],
        element_code=element.code,
        level_code=level.code if level is not None else "",
        taken=set(version.statements.values_list("code", flat=True)),
    )


def _statement_fragment(request: MemberRequest, version: FrameworkVersion, st: Statement) -> HttpResponse:
    return render(
        request,
        "frameworks/authoring/_statement_saved.html",
        {"st": st, "version": version, "editable": True},
    )


@role_required("framework_version.author")
@require_http_methods(["GET", "POST"])
def version_item_form(
    request: MemberRequest, version_id: int, kind: str, item_id: int | None = None
) -> HttpResponse:
    kind = _kind(kind)
    version = _version(request, version_id)
    item = access.version_item_for(version=version, kind=kind, item_id=item_id) if item_id else None
    if version.is_published:
        return _published(request, version)
    inline = bool(request.htmx) and kind == "statements" and item is not None
    form_class: type[RevisionForm] = StatementTextForm if inline else KIND_FORMS[kind]
    extra: dict[str, Any] = {"version": version} if form_class in NEEDS_VERSION else {}
    status = 200
    if request.method == "POST":
        form: Any = form_class(request.POST, **extra)
        status = 400
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k != "revision"}
            try:
                if item is None:
                    item = services_authoring.version_item_create(
                        version=version,
                        kind=kind,
                        values=values,
                        expected_revision=form.cleaned_data["revision"],
                        actor=request.user,
                    )
                else:
                    item = services_authoring.version_item_update(
                        version=version,
                        kind=kind,
                        item=item,
                        values=values,
                        expected_revision=form.cleaned_data["revision"],
                        actor=request.user,
                    )
            except StaleRevision as exc:
                form = _rebound(form_class, request, version)
                form.add_error(None, str(exc) + KEPT_INPUT)
                status = 409
            except VersionPublished:
                return _published(request, version)
            except InvalidField as exc:
                _place_error(form, exc)
                if isinstance(exc, LimitReached):
                    status = 422
            else:
                if inline:
                    return _statement_fragment(request, version, item)
                messages.success(request, f"Saved {kind[:-1]} {item.code}.")
                if kind == "statements":
                    return redirect(_grid_url(version, f"st-{item.pk}", element_id=item.element_id))
                return redirect("framework-structure", version_id=version.pk)
    else:
        try:
            initial = _item_initial(kind, item, request, version)
        except BadParameter as exc:
            return bad_request(request, str(exc))
        form = form_class(initial=initial, **extra)
    context = {"form": form, "version": version, "framework": version.framework, "kind": kind, "item": item}
    if inline:
        # htmx swaps only 2xx answers; the refused form must replace the editor to show why.
        return render(request, "frameworks/authoring/_statement_form.html", context)
    return render(request, "frameworks/authoring/item_form.html", context, status=status)


@member_required
@require_GET
def statement_show(request: MemberRequest, version_id: int, item_id: int) -> HttpResponse:
    """One statement as the grid shows it (the inline editor's Cancel)."""
    version = access.framework_version_for(request.membership, version_id)
    st = access.version_item_for(version=version, kind="statements", item_id=item_id)
    return render(request, "frameworks/authoring/_statement.html", {"st": st, "version": version})


@role_required("framework_version.author")
@require_http_methods(["GET", "POST"])
def version_item_delete(request: MemberRequest, version_id: int, kind: str, item_id: int) -> HttpResponse:
    kind = _kind(kind)
    version = _version(request, version_id)
    item = access.version_item_for(version=version, kind=kind, item_id=item_id)
    if version.is_published:
        return _published(request, version)
    status = 200
    if request.method == "POST":
        form = RevisionForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services_authoring.version_item_delete(
                    version=version,
                    kind=kind,
                    item=item,
                    expected_revision=form.cleaned_data["revision"],
                    actor=request.user,
                )
            except StaleRevision as exc:
                form = _rebound(RevisionForm, request, version)
                form.add_error(None, str(exc) + " Check that you still want to delete it.")
                status = 409
            except ItemInUse as exc:
                form.add_error(None, str(exc))
                status = 409
            else:
                messages.success(request, f"Deleted {kind[:-1]} {item.code}.")
                if kind == "statements":
                    return redirect(_grid_url(version, element_id=item.element_id))
                return redirect("framework-structure", version_id=version.pk)
    else:
        form = RevisionForm(initial={"revision": version.revision})
    dependants = item.statements.count() if kind in ("levels", "elements") else 0
    return render(
        request,
        "frameworks/authoring/item_delete.html",
        {
            "form": form,
            "version": version,
            "framework": version.framework,
            "kind": kind,
            "item": item,
            "dependants": dependants,
        },
        status=status,
    )


@role_required("framework_version.author")
@require_POST
def version_item_move(request: MemberRequest, version_id: int, kind: str, item_id: int) -> HttpResponse:
    kind = _kind(kind)
    version = _version(request, version_id)
    item = access.version_item_for(version=version, kind=kind, item_id=item_id)
    back = (
        _grid_url(version, f"st-{item.pk}", element_id=item.element_id)
        if kind == "statements"
        else reverse("framework-structure", args=[version.pk])
    )
    if version.is_published:
        return _published(request, version)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Move up or down, from a page of this draft.")
        return redirect(back)
    siblings: list[Model]
    if kind == "statements":
        siblings = list(
            version.statements.filter(element=item.element, level=item.level).order_by("order", "id")
        )
    elif kind == "levels":
        siblings = list(version.levels.order_by("rank"))
    else:
        siblings = list(getattr(version, kind).order_by("order", "id"))
    ids = [s.pk for s in siblings]
    at = ids.index(item.pk)
    to = at - 1 if form.cleaned_data["direction"] == "up" else at + 1
    place = at
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
        place = to
        try:
            services_authoring.version_items_reorder(
                version=version,
                kind=kind,
                ids=ids,
                expected_revision=form.cleaned_data["revision"],
                actor=request.user,
            )
        except StaleRevision as exc:
            messages.error(request, f"{exc} Nothing was moved; look at the draft again.")
            place = at
    if kind == "statements" and place >= GRID_CELL_STATEMENTS:
        # Past the first statements of its cell the grid does not show it: back to the cell's list.
        page = place // CELL_STATEMENTS_PER_PAGE + 1
        cell = reverse("framework-cell", args=[version.pk, item.element_id, item.level_id])
        return redirect(cell + (f"?page={page}" if page > 1 else "") + f"#st-{item.pk}")
    return redirect(back)


@role_required("framework_version.author")
@require_http_methods(["GET", "POST"])
def version_rules(request: MemberRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    if version.is_published:
        return _published(request, version)
    status = 200
    if request.method == "POST":
        form: Any = RulesForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services_authoring.version_rules_set(
                    version=version,
                    rules=form.cleaned_data["rules"],
                    expected_revision=form.cleaned_data["revision"],
                    actor=request.user,
                )
            except StaleRevision as exc:
                form = _rebound(RulesForm, request, version)
                form.add_error(None, str(exc) + KEPT_INPUT)
                status = 409
            except InvalidField as exc:
                form.add_error("rules", f"{exc.field}: {exc.message}")
            else:
                messages.success(request, "Rules saved.")
                return redirect(_grid_url(version))
    else:
        text = yaml.safe_dump(version.rules, sort_keys=False, allow_unicode=True, width=100)
        form = RulesForm(initial={"revision": version.revision, "rules": text})
    levels = list(version.levels.all())
    return render(
        request,
        "frameworks/authoring/rules.html",
        {"form": form, "version": version, "framework": version.framework, "levels": levels},
        status=status,
    )


@role_required("framework_version.author")
@require_http_methods(["GET", "POST"])
def version_publish(request: MemberRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    if version.is_published:
        return _published(request, version)
    status = 200
    if request.method == "POST":
        form: Any = RevisionForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services_authoring.version_publish(
                    version=version, expected_revision=form.cleaned_data["revision"], actor=request.user
                )
            except StaleRevision as exc:
                form = _rebound(RevisionForm, request, version)
                form.add_error(None, str(exc) + " Look at the draft again before you publish it.")
                status = 409
            except PublishBlocked:
                form.add_error(None, "The draft cannot be published yet; see the list below.")
            else:
                messages.success(request, f"{version} is published. It will not change from now on.")
                return redirect(_grid_url(version))
    else:
        form = RevisionForm(initial={"revision": version.revision})
    return render(
        request,
        "frameworks/authoring/publish.html",
        {
            "form": form,
            "version": version,
            "framework": version.framework,
            "problems": services_authoring.version_publish_problems(version=version),
        },
        status=status,
    )


# --- comparing and mapping -------------------------------------------------------------------------


def _compare_base(request: MemberRequest, version: FrameworkVersion) -> tuple[FrameworkVersion | None, str]:
    wanted = request.GET.get("base") or request.POST.get("base")
    if not wanted:
        return selectors_authoring.default_base(version), ""
    try:
        drafts = access.reads_drafts(request.membership)
        return selectors_authoring.base_for(version=version, base_id=wanted, drafts=drafts), ""
    except InvalidField as exc:
        return None, exc.message


def _older_to_newer(request: MemberRequest, version: FrameworkVersion, page: str) -> HttpResponse | None:
    """Opened from an older version without a choice of base: the same page on the version after
    it, compared with this one, so that the changes read older → newer."""
    if request.GET.get("base"):
        return None
    later = version.framework.versions.filter(
        access.readable_versions_q(request.membership), created_at__gt=version.created_at
    ).exclude(pk=version.pk)
    newer = (
        later.filter(based_on=version).order_by("created_at", "id").first()
        or later.order_by("created_at", "id").first()
    )
    if newer is None:
        return None
    return redirect(reverse(page, args=[newer.pk]) + f"?base={version.pk}")


@member_required
@require_GET
@rate_limited("grid")
def version_diff(request: MemberRequest, version_id: int) -> HttpResponse:
    version = access.framework_version_for(request.membership, version_id)
    if (newer := _older_to_newer(request, version, "framework-diff")) is not None:
        return newer
    base, error = _compare_base(request, version)
    context: dict[str, Any] = {
        "version": version,
        "framework": version.framework,
        "base": base,
        "error": error,
        "others": version.framework.versions.filter(access.readable_versions_q(request.membership))
        .exclude(pk=version.pk)
        .order_by("-created_at"),
    }
    if base is not None:
        diff = selectors_authoring.versions_diff(version=version, base=base)
        context["diff"] = diff
        context["rows"] = [
            {
                "c": c,
                "words": word_changes(c.old.text, c.new.text) if c.reworded and c.old and c.new else None,
            }
            for c in diff.statements
            if c.change != "same"
        ]
    return render(request, "frameworks/authoring/diff.html", context, status=400 if error else 200)


def _row_changed(row: selectors_authoring.MappingRow) -> bool:
    to_code, kind = row.targets[0] if row.targets else (None, "removed")
    return len(row.targets) > 1 or kind != MappingKind.SAME or to_code != row.statement.code


def _mapping_editable(request: MemberRequest, version: FrameworkVersion) -> bool:
    return can(request.membership, "framework_version.author", version)


@member_required
@require_http_methods(["GET", "POST"])
def version_mappings(request: MemberRequest, version_id: int) -> HttpResponse:
    if request.method == "POST":
        version = _version(request, version_id)
        if version.is_published:
            return _published(request, version)
    else:
        version = access.framework_version_for(request.membership, version_id)
        if (newer := _older_to_newer(request, version, "framework-mappings")) is not None:
            return newer
    base, error = _compare_base(request, version)
    editable = _mapping_editable(request, version)
    status = 400 if error else 200
    rows = selectors_authoring.mapping_rows(version=version, base=base) if base else []
    revision = version.revision
    problems: list[str] = []
    if request.method == "POST" and base is not None:
        if not editable:
            raise PermissionDenied("Mappings can only be changed on a draft of your organisation.")
        chosen: list[tuple[str, str | None, str]] = []
        for row in rows:
            pk = row.statement.pk
            first = (request.POST.get(f"to-{pk}") or None, request.POST.get(f"kind-{pk}") or "")
            # Further successors (a split made through the API) travel along unchanged.
            extra = [tuple(v.split("|", 1)) for v in request.POST.getlist(f"extra-{pk}") if "|" in v]
            targets = [first, *[(code or None, kind) for code, kind in extra]]
            chosen.extend((row.statement.code, code, kind) for code, kind in targets)
            # What the author chose shows again if the save is refused: nothing they set is lost.
            row.targets, row.suggested = targets, False
        valid_kinds = set(MappingKind.values)
        problems = [f"{code}: choose how it changed" for code, _, kind in chosen if kind not in valid_kinds]
        status = 400
        try:
            expected_revision = _whole_number(request.POST, "revision") or 0
        except BadParameter as exc:
            problems.append(f"{exc} Reload the page and choose again.")
        if not problems:
            try:
                entries = selectors_authoring.mapping_entries_resolve(version=version, base=base, raw=chosen)
                services_authoring.statement_mappings_set(
                    version=version,
                    base=base,
                    entries=entries,
                    expected_revision=expected_revision,
                    actor=request.user,
                )
            except InvalidField as exc:
                index = exc.field.split(".")[1] if exc.field.count(".") >= 1 else None
                where = chosen[int(index)][0] if index and index.isdigit() else exc.field
                problems.append(f"{where}: {exc.message}")
            except StaleRevision as exc:
                version.refresh_from_db(fields=["revision"])
                problems.append(str(exc) + " Your choices are kept below: check them and save again.")
                status = 409
            else:
                messages.success(request, f"Saved {len(entries)} mappings from {base.label}.")
                return redirect(reverse("framework-mappings", args=[version.pk]) + f"?base={base.pk}")
        revision = version.revision
    successors = list(
        version.statements.select_related("element", "level").order_by(
            "element__order", "level__rank", "order"
        )
    )
    return render(
        request,
        "frameworks/authoring/mappings.html",
        {
            "version": version,
            "framework": version.framework,
            "base": base,
            "error": error,
            "rows": rows,
            # Changed statements first; the ones that carry over as they are fold away below.
            "changed_rows": [row for row in rows if _row_changed(row)],
            "same_rows": [row for row in rows if not _row_changed(row)],
            "targets": successors,
            "kinds": MappingKind.choices,
            "editable": editable,
            "revision": revision,
            "problems": problems,
            "others": version.framework.versions.filter(access.readable_versions_q(request.membership))
            .exclude(pk=version.pk)
            .order_by("-created_at"),
        },
        status=status,
    )
