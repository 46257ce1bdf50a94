"""People pages: search, org tree, a unit's people, a person, and the editors admins use."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.people import access
from soms.people.errors import PeopleConflict, PeopleInvalid, StaleRevision
from soms.people.forms import MergeForm, PeopleSearchForm, PersonForm, TeamForm, UnitForm
from soms.people.models import OrgUnit, Person, Team
from soms.people.permissions import can
from soms.people.selectors.people import (
    PeopleFilter,
    manager_chain,
    org_tree,
    people_list,
    person_requirements,
    tree_flat,
    unit_ancestors,
    unit_counts,
    unit_path_names,
)
from soms.people.services import persons, privacy, structure
from soms.people.services.profiles import role_profiles_builtin_load
from soms.people.views.common import conflict_error, form_error, membership, shown
from soms.tenancy.access import member_required, require

PAGE_SIZE = 50


def _filters(request: HttpRequest, m: Any) -> tuple[PeopleSearchForm, PeopleFilter]:
    units = OrgUnit.objects.filter(Q(organisation_id=m.organisation_id) & access.unit_scope(m))
    form = PeopleSearchForm(
        request.GET or None,
        organisation_id=m.organisation_id,
        units=units,
        profiles=access.role_profiles_visible(m),
    )
    filters = PeopleFilter()
    if form.is_valid():
        d = form.cleaned_data
        active = d.get("active") or "yes"
        filters = PeopleFilter(
            q=d.get("q") or "",
            unit=d.get("unit"),
            team=d.get("team"),
            active=None if active == "all" else active == "yes",
            role_profile=d["role_profile"].pk if d.get("role_profile") else None,
        )
    return form, filters


def _page(request: HttpRequest, qs: Any) -> Any:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    page.querystring = params.urlencode()  # type: ignore[attr-defined]
    return page


@member_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    m = membership(request)
    require(m, "person.list")
    form, filters = _filters(request, m)
    if form.errors:
        return render(request, "people/list.html", {"form": form, "page": None}, status=400)
    page = _page(request, people_list(m, filters))
    paths = unit_path_names([p.unit for p in page.object_list if p.unit])
    return render(
        request,
        "people/list.html",
        {
            "form": form,
            "page": page,
            "paths": paths,
            "names_only": access.names_only(m),
            "can_create": can(m, "person.create"),
            "can_import": can(m, "people.import"),
        },
    )


@member_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    m = membership(request)
    nodes = tree_flat(org_tree(m))
    return render(
        request,
        "people/tree.html",
        {
            "nodes": nodes,
            "can_manage": can(m, "unit.manage"),
            "can_import": can(m, "people.import"),
            "can_export": can(m, "people.export"),
        },
    )


@member_required
@require_GET
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    m = membership(request)
    unit = access.unit_for(m, unit_id)
    form, filters = _filters(request, m)
    filters.unit = unit
    page = _page(request, people_list(m, filters))
    own, total = unit_counts(m, unit)
    return render(
        request,
        "people/unit.html",
        {
            "unit": unit,
            "own": own,
            "total": total,
            "ancestors": unit_ancestors(unit),
            "page": page,
            "names_only": access.names_only(m),
            "children": OrgUnit.objects.filter(parent=unit).filter(access.unit_scope(m)).order_by("name"),
            "teams": unit.teams.all(),
            "can_manage": can(m, "unit.manage"),
        },
    )


@member_required
@require_GET
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    m = membership(request)
    person = access.person_for(m, person_id)
    reports = access.people_in_scope(m, "person.list").filter(manager=person).order_by("name_key")[:200]
    return render(
        request,
        "people/person.html",
        {
            "person": person,
            "chain": manager_chain(person),
            "reports": reports,
            "unit_path": unit_path_names([person.unit]).get(person.unit.pk, "") if person.unit else "",
            "profiles": person.role_profiles.select_related("version__framework"),
            "requirements": person_requirements(person),
            "can_edit": can(m, "person.update"),
            "can_privacy": can(m, "person.erase"),
            "can_invite": can(m, "person.invite"),
            "merge_form": MergeForm(organisation_id=m.organisation_id),
        },
    )


def _person_values(form: PersonForm) -> dict[str, Any]:
    d = dict(form.cleaned_data)
    return {
        k: (v if v is not None else "") if k in ("email", "job_title", "location") else v
        for k, v in d.items()
    }


PERSON_FORM_FIELDS = (
    "employee_id",
    "name",
    "email",
    "job_title",
    "unit",
    "team",
    "location",
    "start_date",
    "active",
)


def _person_initial(person: Person) -> dict[str, Any]:
    initial: dict[str, Any] = {f: getattr(person, f) for f in PERSON_FORM_FIELDS}
    initial["manager"] = person.manager.employee_id if person.manager else ""
    initial["role_profiles"] = list(person.role_profiles.all())
    initial["revision"] = person.revision
    return initial


def _person_differences(form: PersonForm, person: Person) -> list[str]:
    """The fields where what is stored now differs from what the user typed, with the stored value."""
    if not form.is_valid():
        return []
    stored = _person_initial(person)
    typed = _person_values(form)
    out = []
    for name in (*PERSON_FORM_FIELDS[:4], "manager", *PERSON_FORM_FIELDS[4:], "role_profiles"):
        now, mine = stored.get(name), typed.get(name)
        if name == "manager":
            mine = mine.employee_id if mine else ""
        elif name == "role_profiles":
            now, mine = sorted(p.code for p in now or ()), sorted(p.code for p in mine or ())
        if (now or None) != (mine or None) and not (name == "active" and bool(now) == bool(mine)):
            shown_now = ", ".join(now) if name == "role_profiles" and now else shown(now)
            out.append(f"{form.fields[name].label or name.replace('_', ' ').capitalize()}: {shown_now}")
    return out


@member_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    m = membership(request)
    person = access.person_for(m, person_id, action="person.update") if person_id else None
    if person is None:
        require(m, "person.create")
    role_profiles_builtin_load()  # after the role check: a refused request writes nothing

    def make(data: Any) -> PersonForm:
        form = PersonForm(
            data,
            initial=_person_initial(person) if person is not None else {"active": True},
            organisation_id=m.organisation_id,
            profiles=access.role_profiles_visible(m),
            person=person,
        )
        form.fields["revision"].required = person is not None
        return form

    form = make(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        values = _person_values(form)
        revision = values.pop("revision", None)
        try:
            if person is None:
                person = persons.person_create(organisation=m.organisation, actor=request.user, **values)
                messages.success(request, f"Added {person.name}.")
            else:
                person = persons.person_update(person=person, actor=request.user, revision=revision, **values)
                messages.success(request, f"Saved {person.name}.")
            return redirect("people-person", person_id=person.pk)
        except PeopleInvalid as exc:
            form_error(form, exc)
        except StaleRevision as exc:
            assert person is not None
            person = Person.objects.select_related("manager").get(pk=person.pk)
            # What the user typed, now based on the current revision, so saving again goes through.
            data = request.POST.copy()
            data["revision"] = str(person.revision)
            form = make(data)
            conflict_error(form, exc, person, _person_differences(form, person))
            status = 409
    return render(request, "people/person_form.html", {"form": form, "person": person}, status=status)


@member_required
@require_GET
def person_data(request: HttpRequest, person_id: int) -> HttpResponse:
    m = membership(request)
    person = access.person_for(m, person_id, action="person.export_data")
    body = json.dumps(privacy.person_data(person), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
    return response


@member_required
@require_POST
def person_erase(request: HttpRequest, person_id: int) -> HttpResponse:
    m = membership(request)
    person = access.person_for(m, person_id, action="person.erase")
    if request.POST.get("confirm") != "erase":
        # Erasure cannot be undone: the form's box must be ticked (checked here, not only by the
        # browser, so a stray or scripted POST erases nothing).
        messages.error(request, "Nothing was erased: tick the box to confirm that erasure cannot be undone.")
        return redirect("people-person", person_id=person.pk)
    privacy.person_erase(person=person, actor=request.user)
    messages.success(request, "The person's personal data has been erased; their history is anonymised.")
    return redirect("people-person", person_id=person.pk)


@member_required
@require_POST
def person_merge(request: HttpRequest, person_id: int) -> HttpResponse:
    m = membership(request)
    keep = access.person_for(m, person_id, action="person.merge")
    form = MergeForm(request.POST, organisation_id=m.organisation_id)
    if form.is_valid():
        try:
            privacy.person_merge(keep=keep, duplicate=form.cleaned_data["duplicate"], actor=request.user)
            messages.success(
                request, f"Merged {form.cleaned_data['duplicate'].employee_id} into {keep.name}."
            )
            return redirect("people-person", person_id=keep.pk)
        except PeopleInvalid as exc:
            form_error(form, exc)
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, f"Merge: {e}")
    return redirect("people-person", person_id=keep.pk)


@member_required
@require_POST
def person_invite(request: HttpRequest, person_id: int) -> HttpResponse:
    from soms.people.services.members import person_invite as invite

    m = membership(request)
    person = access.person_for(m, person_id, action="person.invite")
    try:
        invite(person=person, actor=request.user, actor_membership=m)
        messages.success(
            request, f"Invited {person.email}: the mail is on its way (Members shows whether it left)."
        )
    except (PeopleInvalid, PeopleConflict) as exc:
        messages.error(request, str(exc))
    return redirect("people-person", person_id=person.pk)


def _unit_initial(unit: OrgUnit) -> dict[str, Any]:
    return {
        "name": unit.name,
        "parent": unit.parent,
        "manager": unit.manager.employee_id if unit.manager else "",
        "revision": unit.revision,
    }


def _unit_differences(form: UnitForm, unit: OrgUnit) -> list[str]:
    if not form.is_valid():
        return []
    d = form.cleaned_data
    out = []
    if d["name"] != unit.name:
        out.append(f"Name: {shown(unit.name)}")
    if d["parent"] != unit.parent:
        out.append(f"Inside unit: {shown(unit.parent.name if unit.parent else '')}")
    if d["manager"] != unit.manager:
        out.append(f"Manager: {shown(unit.manager.employee_id if unit.manager else '')}")
    return out


@member_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, unit_id: int | None = None) -> HttpResponse:
    m = membership(request)
    unit = access.unit_for(m, unit_id, action="unit.manage") if unit_id else None
    if unit is None:
        require(m, "unit.manage")
    initial: dict[str, Any] = {}
    if unit is not None:
        initial = _unit_initial(unit)
    elif request.GET.get("parent"):
        initial = {"parent": request.GET.get("parent")}

    def make(data: Any) -> UnitForm:
        form = UnitForm(data, initial=initial, organisation_id=m.organisation_id)
        form.fields["revision"].required = unit is not None
        return form

    form = make(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if unit is None:
                unit = structure.unit_create(
                    organisation=m.organisation,
                    name=d["name"],
                    parent=d["parent"],
                    manager=d["manager"],
                    actor=request.user,
                )
            else:
                unit = structure.unit_update(
                    unit=unit,
                    name=d["name"],
                    parent=d["parent"],
                    manager=d["manager"],
                    revision=d["revision"],
                    actor=request.user,
                )
            messages.success(request, f"Saved unit {unit.name}.")
            return redirect("people-unit", unit_id=unit.pk)
        except PeopleInvalid as exc:
            form_error(form, exc)
        except StaleRevision as exc:
            assert unit is not None
            unit = OrgUnit.objects.select_related("parent", "manager").get(pk=unit.pk)
            data = request.POST.copy()
            data["revision"] = str(unit.revision)
            form = make(data)
            conflict_error(form, exc, unit, _unit_differences(form, unit))
            status = 409
    return render(request, "people/unit_form.html", {"form": form, "unit": unit}, status=status)


def _team_differences(form: TeamForm, team: Team) -> list[str]:
    if not form.is_valid():
        return []
    d = form.cleaned_data
    out = []
    if d["name"] != team.name:
        out.append(f"Name: {shown(team.name)}")
    if d["unit"] != team.unit:
        path = unit_path_names([team.unit]).get(team.unit.pk, "") if team.unit else ""
        out.append(f"Unit: {shown(path.replace('/', ' / '))}")
    return out


@member_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    """Add a team, or rename it / move it to another unit (`team_id`), with the page's revision:
    a save over someone else's change is refused (409) and the form keeps what was typed."""
    m = membership(request)
    team = access.team_for(m, team_id) if team_id else None
    if team is None:
        require(m, "team.manage")
    if team is not None:
        initial: dict[str, Any] = {"name": team.name, "unit": team.unit, "revision": team.revision}
    else:
        initial = {"unit": request.GET.get("unit")}

    def make(data: Any) -> TeamForm:
        form = TeamForm(data, initial=initial, organisation_id=m.organisation_id)
        form.fields["revision"].required = team is not None
        return form

    form = make(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if team is None:
                team = structure.team_create(
                    organisation=m.organisation, name=d["name"], unit=d["unit"], actor=request.user
                )
                messages.success(request, f"Added team {team.name}.")
            else:
                moving = d["unit"] != team.unit
                team = structure.team_update(
                    team=team, name=d["name"], unit=d["unit"], revision=d["revision"], actor=request.user
                )
                moved = team.people.count() if moving else 0
                messages.success(
                    request,
                    f"Saved team {team.name}."
                    + (
                        f" Its {moved} {'person' if moved == 1 else 'people'} moved with it to "
                        f"{team.unit.name if team.unit else 'no unit'}."
                        if moved
                        else ""
                    ),
                )
            return redirect("people-unit", unit_id=team.unit_id) if team.unit_id else redirect("people-tree")
        except PeopleInvalid as exc:
            form_error(form, exc)
        except StaleRevision as exc:
            assert team is not None
            team = Team.objects.select_related("unit").get(pk=team.pk)
            data = request.POST.copy()
            data["revision"] = str(team.revision)
            form = make(data)
            conflict_error(form, exc, team, _team_differences(form, team))
            status = 409
    return render(request, "people/team_form.html", {"form": form, "team": team}, status=status)


__all__ = ["Person"]
