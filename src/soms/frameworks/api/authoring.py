"""Framework authoring over the API: create, draft, edit a draft, publish, diff and map.

Writes need the owner or admin role (403 otherwise). Every write of a draft carries the revision
it was based on; a stale one answers 409, as does any write to a published version. Another
organisation's version answers 404 like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import create_model, model_validator

from soms.core.framework_diff import StatementChange, VersionDiff
from soms.core.problems import Invalid, Problem
from soms.fields import (
    Description,
    Id,
    Input,
    Label,
    Name,
    OptionalName,
    ShortName,
    Slug,
    StatementCode,
    StatementText,
)
from soms.frameworks import access
from soms.frameworks.api.browse import router as frameworks_read_router
from soms.frameworks.models import FrameworkVersion, MappingKind, StatementMapping
from soms.frameworks.rules import FrameworkRules
from soms.frameworks.selectors import authoring as selectors_authoring
from soms.frameworks.services import authoring as services_authoring
from soms.frameworks.services.authoring import InvalidField, PublishBlocked, StaleRevision
from soms.frameworks.services.versions import FrameworkConflict
from soms.ratelimits import documented, refused
from soms.tenancy.access import NotFound, require
from soms.tenancy.requests import ApiRequest

router = Router(tags=["framework authoring"])

# Names (trimmed, non-blank), codes, ids and text come from the shared field types, so pages, API
# and command line take them alike; Name120 and Group are the level's and element's shorter names.
Name120 = ShortName
Name200 = Name
Group = OptionalName


def _unchanged(**constraints: Any) -> Any:
    """Default of a PATCH field: leaving it out keeps the stored value. The default is not a value
    the field takes, so an explicit null is refused (422) where the stored field cannot be empty,
    and the schema does not advertise null for it."""
    return Field(None, json_schema_extra=_drop_default, **constraints)


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


Kind = Literal["levels", "elements", "areas", "statements"]


# Services name the model's fields; the API's payload names the ids it takes for them.
API_FIELDS = {"element": "element_id", "level": "level_id", "areas": "area_ids"}


def _run[T](fn: Callable[[], T]) -> T:
    """Call a service and answer its refusals the API way: 409 for conflicts, 422 naming the field
    where Ninja's own validation would (`body.payload.<field>`)."""
    try:
        return fn()
    except StaleRevision as exc:
        raise HttpError(409, f"{exc} Read the version again and send its current revision.") from exc
    except FrameworkConflict as exc:
        raise HttpError(409, str(exc)) from exc
    except InvalidField as exc:
        field = API_FIELDS.get(exc.field, exc.field)
        place = ("body", "payload", *field.split(".")) if field else ("body", "payload")
        raise Invalid([Problem(place, exc.message)]) from exc
    except PublishBlocked:
        raise  # placed in the version (levels, rules, elements.<code>): the handler answers 422


def _editable(request: ApiRequest, version_id: int) -> FrameworkVersion:
    # The role is checked before the lookup, so a 403 never tells whether an id exists.
    return access.authoring_version_for(request.membership, version_id)


# --- schemas ---------------------------------------------------------------------------------------


class VersionOut(Schema):
    id: int
    framework_id: int
    label: str
    status: str
    revision: int
    based_on_id: int | None
    published_at: datetime | None


class FrameworkCreateIn(Input):
    code: Slug
    name: Name200
    description: Description = ""
    kind: Literal["skills", "capability"] = "skills"
    label: Label = "1"
    base_version_id: Id | None = Field(
        None, description="A built-in or own published version to copy (adapt); empty for a blank draft."
    )


class DraftCreateIn(Input):
    base_version_id: Id = Field(description="The published version of this framework to start from.")
    label: Label


class LevelOut(Schema):
    id: int
    code: str
    name: str
    rank: int
    description: str
    validity_months: int | None


class ElementOut(Schema):
    id: int
    code: str
    name: str
    description: str
    group: str
    order: int


class AreaOut(Schema):
    id: int
    code: str
    name: str
    element_id: int | None
    order: int


class StatementOut(Schema):
    id: int
    code: str
    text: str
    element_id: int
    level_id: int
    order: int
    area_ids: list[int]


class ContentsOut(Schema):
    version: VersionOut
    rules: FrameworkRules
    levels: list[LevelOut]
    elements: list[ElementOut]
    areas: list[AreaOut]
    statements: list[StatementOut]


class Revisioned(Input):
    revision: int = Field(description="The version's revision this change was based on.")


class LevelIn(Revisioned):
    code: Slug
    name: Name120
    rank: int = Field(ge=1, le=100)
    description: Description = ""
    validity_months: int | None = Field(None, ge=1, le=600)


class LevelPatch(Revisioned):
    code: Slug = _unchanged()
    name: Name120 = _unchanged()
    rank: int = _unchanged(ge=1, le=100)
    description: Description = _unchanged()
    validity_months: int | None = Field(None, ge=1, le=600, description="null: the level never expires.")


class ElementIn(Revisioned):
    code: Slug
    name: Name200
    description: Description = ""
    group: Group = ""


class ElementPatch(Revisioned):
    code: Slug = _unchanged()
    name: Name200 = _unchanged()
    description: Description = _unchanged()
    group: Group = _unchanged()


class AreaIn(Revisioned):
    code: Slug
    name: Name200
    element_id: Id | None = None


class AreaPatch(Revisioned):
    code: Slug = _unchanged()
    name: Name200 = _unchanged()
    element_id: Id | None = Field(None, description="null: the area is not inside an element.")


class StatementIn(Revisioned):
    code: StatementCode
    text: StatementText
    element_id: Id
    level_id: Id
    area_ids: list[Id] = Field(default_factory=list)


class StatementPatch(Revisioned):
    code: StatementCode = _unchanged()
    text: StatementText = _unchanged()
    element_id: Id = _unchanged()
    level_id: Id = _unchanged()
    area_ids: list[Id] = _unchanged()


class OrderIn(Revisioned):
    ids: list[Id] = Field(min_length=1)


class RulesIn(Revisioned):
    rules: FrameworkRules


class ChangedOut(Schema):
    revision: int


class RefOut(Schema):
    code: str
    element: str
    level: str
    text: str


class StatementChangeOut(Schema):
    change: str
    old: RefOut | None
    new: RefOut | None
    similarity: float
    moved: bool
    reworded: bool


class NamedOut(Schema):
    code: str
    name: str


class NamedChangeOut(Schema):
    change: str
    old: NamedOut | None
    new: NamedOut | None


class DiffOut(Schema):
    version_id: int
    base_id: int
    counts: dict[str, int]
    statements: list[StatementChangeOut]
    elements: list[NamedChangeOut]
    levels: list[NamedChangeOut]


class MappingOut(Schema):
    id: int
    from_version_id: int
    from_statement_id: int
    from_code: str
    to_statement_id: int | None
    to_code: str | None
    kind: str


class SuggestionOut(Schema):
    from_code: str
    to_code: str | None
    kind: str


class MappingsOut(Schema):
    version_id: int
    revision: int
    mappings: list[MappingOut]
    suggestions: list[SuggestionOut] = Field(
        default_factory=list,
        description="With ?base=: proposals from the diff for base statements that have no mapping yet.",
    )


class MappingIn(Input):
    from_code: str
    to_code: str | None
    kind: MappingKind


class MappingsIn(Revisioned):
    base_version_id: Id
    mappings: list[MappingIn]

    @model_validator(mode="after")
    def _removed_means_no_successor(self) -> MappingsIn:
        for i, m in enumerate(self.mappings):
            if (m.to_code is None) != (m.kind == MappingKind.REMOVED):
                raise ValueError(f"mappings[{i}]: use kind 'removed' exactly when to_code is null")
        return self


# --- helpers ---------------------------------------------------------------------------------------


def _version_out(v: FrameworkVersion) -> dict[str, Any]:
    return {
        "id": v.pk,
        "framework_id": v.framework_id,
        "label": v.label,
        "status": v.status,
        "revision": v.revision,
        "based_on_id": v.based_on_id,
        "published_at": v.published_at,
    }


def _item_out(kind: str, item: Any) -> Any:
    if kind == "statements":
        return {
            "id": item.pk,
            "code": item.code,
            "text": item.text,
            "element_id": item.element_id,
            "level_id": item.level_id,
            "order": item.order,
            "area_ids": [a.pk for a in item.areas.all()],
        }
    return item  # levels, elements, areas read straight off the model


def _resolve(version: FrameworkVersion, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Swap ids for the version's own objects; an id from elsewhere is a 422 on its field."""
    values = dict(data)
    if kind == "areas" and "element_id" in values and values["element_id"] is None:
        # Sent as null: the area is no longer inside an element (only areas may be outside one;
        # the schemas refuse null for the other ids).
        values.pop("element_id")
        values["element"] = None
    for field in ("element_id", "level_id"):
        if values.get(field) is not None:
            name = field[:-3]
            try:
                values[name] = access.version_item_for(
                    version=version, kind=f"{name}s", item_id=values.pop(field)
                )
            except NotFound:
                raise InvalidField(field, f"no {name} with that id in this version") from None
        else:
            values.pop(field, None)
    if values.get("area_ids") is not None:
        ids = values.pop("area_ids")
        areas = list(version.areas.filter(pk__in=ids))
        if len(areas) != len(set(ids)):
            raise InvalidField("area_ids", "an area id is not part of this version")
        values["areas"] = areas
    else:
        values.pop("area_ids", None)
    return values


# --- framework and version creation -------------------------------------------------------------


# Django resolves a path to the first router that declares it, and GET /frameworks lives on the
# reading router: the POST joins that path there so both methods answer on one URL.
@frameworks_read_router.post(
    "/frameworks",
    response={201: VersionOut},
    summary="Create a framework with its first draft",
    tags=["framework authoring"],
)
def framework_create(request: ApiRequest, payload: FrameworkCreateIn) -> Status[dict[str, Any]]:
    membership = require(request.membership, "framework.create")
    base = None
    if payload.base_version_id is not None:
        try:
            base = access.framework_version_for(membership, payload.base_version_id)
        except NotFound:
            raise ValidationError(
                [
                    {
                        "loc": ["body", "payload", "base_version_id"],
                        "msg": "no such version",
                        "type": "value_error",
                    }
                ]
            ) from None
    version = _run(
        lambda: services_authoring.framework_create(
            organisation=membership.organisation,
            actor=request.user,
            code=payload.code,
            name=payload.name,
            description=payload.description,
            kind=payload.kind,
            label=payload.label,
            base=base,
        )
    )
    return Status(201, _version_out(version))


@router.post(
    "/frameworks/{framework_id}/versions",
    response={201: VersionOut},
    summary="Start a new draft version from a published one",
)
def framework_version_draft_create(
    request: ApiRequest, framework_id: Id, payload: DraftCreateIn
) -> Status[dict[str, Any]]:
    framework = access.framework_for(request.membership, framework_id, action="framework_version.adapt")
    if framework.organisation_id is None:
        raise HttpError(403, access.READ_ONLY_BUILTIN)
    base = framework.versions.filter(pk=payload.base_version_id).first()
    if base is None:
        raise ValidationError(
            [
                {
                    "loc": ["body", "payload", "base_version_id"],
                    "msg": "not a version of this framework",
                    "type": "value_error",
                }
            ]
        )
    version = _run(
        lambda: services_authoring.framework_version_draft_create(
            framework=framework, base=base, label=payload.label, actor=request.user
        )
    )
    return Status(201, _version_out(version))


@router.get(
    "/framework-versions/{version_id}/contents",
    response=ContentsOut,
    summary="A version with the ids and revision an author needs to edit it",
)
def framework_version_contents(request: ApiRequest, version_id: Id) -> dict[str, Any]:
    version = access.framework_version_for(request.membership, version_id)
    return {
        "version": _version_out(version),
        "rules": version.rules,
        "levels": list(version.levels.all()),
        "elements": list(version.elements.all()),
        "areas": list(version.areas.all()),
        "statements": [_item_out("statements", s) for s in version.statements.prefetch_related("areas")],
    }


# --- items of a draft ------------------------------------------------------------------------------


def _create(request: ApiRequest, version_id: int, kind: str, payload: Revisioned) -> Status[Any]:
    version = _editable(request, version_id)
    data = payload.dict(exclude={"revision"})

    def go() -> Any:
        values = _resolve(version, kind, data)
        return services_authoring.version_item_create(
            version=version, kind=kind, values=values, expected_revision=payload.revision, actor=request.user
        )

    item = _run(go)
    return Status(201, {"revision": version.revision, "item": _item_out(kind, item)})


def _update(request: ApiRequest, version_id: int, kind: str, item_id: int, payload: Revisioned) -> Any:
    version = _editable(request, version_id)
    item = access.version_item_for(version=version, kind=kind, item_id=item_id)
    data = payload.dict(exclude={"revision"}, exclude_unset=True)

    def go() -> Any:
        values = _resolve(version, kind, data)
        return services_authoring.version_item_update(
            version=version,
            kind=kind,
            item=item,
            values=values,
            expected_revision=payload.revision,
            actor=request.user,
        )

    item = _run(go)
    return {"revision": version.revision, "item": _item_out(kind, item)}


def _delete(request: ApiRequest, version_id: int, kind: str, item_id: int, revision: int) -> dict[str, int]:
    version = _editable(request, version_id)
    item = access.version_item_for(version=version, kind=kind, item_id=item_id)
    _run(
        lambda: services_authoring.version_item_delete(
            version=version, kind=kind, item=item, expected_revision=revision, actor=request.user
        )
    )
    return {"revision": version.revision}


def _item_routes(
    kind: str, out: type[Schema], create_in: type[Revisioned], patch_in: type[Revisioned]
) -> None:
    """POST / PATCH / DELETE for one kind of item; each answers the item and the new revision."""
    singular = kind[:-1]

    changed_out = create_model(f"{singular.capitalize()}ChangedOut", __base__=Schema, revision=int, item=out)

    def create(request: ApiRequest, version_id: Id, payload: Any) -> Any:
        return _create(request, version_id, kind, payload)

    def update(request: ApiRequest, version_id: Id, item_id: Id, payload: Any) -> Any:
        return _update(request, version_id, kind, item_id, payload)

    def delete(request: ApiRequest, version_id: Id, item_id: Id, revision: int) -> Any:
        return _delete(request, version_id, kind, item_id, revision)

    def read(request: ApiRequest, version_id: Id, item_id: Id) -> Any:
        version = access.framework_version_for(request.membership, version_id)
        item = access.version_item_for(version=version, kind=kind, item_id=item_id)
        return _item_out(kind, item)

    # The schemas differ per kind; Ninja reads them from the annotations, so they are set here
    # (string annotations from `from __future__` could not name these local classes).
    create.__annotations__.update(request=ApiRequest, version_id=Id, payload=create_in)
    update.__annotations__.update(request=ApiRequest, version_id=Id, item_id=Id, payload=patch_in)
    delete.__annotations__.update(request=ApiRequest, version_id=Id, item_id=Id, revision=int)
    read.__annotations__.update(request=ApiRequest, version_id=Id, item_id=Id)
    create.__name__, update.__name__, delete.__name__, read.__name__ = (
        f"{singular}_create",
        f"{singular}_update",
        f"{singular}_delete",
        f"{singular}_read",
    )
    router.get(
        f"/framework-versions/{{version_id}}/{kind}/{{item_id}}",
        response=out,
        summary=f"One {singular} of a version",
    )(read)
    router.post(
        f"/framework-versions/{{version_id}}/{kind}",
        response={201: changed_out},
        summary=f"Add a {singular} to a draft",
    )(create)
    router.patch(
        f"/framework-versions/{{version_id}}/{kind}/{{item_id}}",
        response=changed_out,
        summary=f"Change a {singular} of a draft (only the fields sent)",
    )(update)
    router.delete(
        f"/framework-versions/{{version_id}}/{kind}/{{item_id}}",
        response=ChangedOut,
        summary=f"Remove a {singular} from a draft (?revision=N)",
    )(delete)


_item_routes("levels", LevelOut, LevelIn, LevelPatch)
_item_routes("elements", ElementOut, ElementIn, ElementPatch)
_item_routes("areas", AreaOut, AreaIn, AreaPatch)
_item_routes("statements", StatementOut, StatementIn, StatementPatch)


@router.put(
    "/framework-versions/{version_id}/order/{kind}",
    response=ChangedOut,
    summary="Reorder levels, elements or areas (all of them) or the statements of one cell",
)
def framework_version_reorder(request: ApiRequest, version_id: Id, kind: Kind, payload: OrderIn) -> Any:
    version = _editable(request, version_id)
    _run(
        lambda: services_authoring.version_items_reorder(
            version=version,
            kind=kind,
            ids=payload.ids,
            expected_revision=payload.revision,
            actor=request.user,
        )
    )
    return {"revision": version.revision}


@router.put("/framework-versions/{version_id}/rules", response=ChangedOut, summary="Replace a draft's rules")
def framework_version_rules(request: ApiRequest, version_id: Id, payload: RulesIn) -> Any:
    version = _editable(request, version_id)
    _run(
        lambda: services_authoring.version_rules_set(
            version=version, rules=payload.rules, expected_revision=payload.revision, actor=request.user
        )
    )
    return {"revision": version.revision}


@router.post(
    "/framework-versions/{version_id}/publish",
    response=VersionOut,
    summary="Publish a draft; 422 lists what stops it",
)
def framework_version_publish(request: ApiRequest, version_id: Id, payload: Revisioned) -> Any:
    version = _editable(request, version_id)
    _run(
        lambda: services_authoring.version_publish(
            version=version, expected_revision=payload.revision, actor=request.user
        )
    )
    return _version_out(version)


# --- diff and mappings -----------------------------------------------------------------------------


def _base(version: FrameworkVersion, base_id: int, *, drafts: bool = True) -> FrameworkVersion:
    """The version to compare with: visible to the caller and of the same framework (base_for looks
    only among the versions the version's organisation can see)."""
    try:
        return selectors_authoring.base_for(version=version, base_id=base_id, drafts=drafts)
    except InvalidField as exc:
        raise ValidationError(
            [{"loc": ["query", "base"], "msg": exc.message, "type": "value_error"}]
        ) from exc


def _change_out(c: StatementChange) -> dict[str, Any]:
    return {
        "change": c.change.value,
        "old": c.old,
        "new": c.new,
        "similarity": round(c.similarity, 3),
        "moved": c.moved,
        "reworded": c.reworded,
    }


def _diff_out(version: FrameworkVersion, base: FrameworkVersion, diff: VersionDiff) -> dict[str, Any]:
    return {
        "version_id": version.pk,
        "base_id": base.pk,
        "counts": diff.counts,
        "statements": [_change_out(c) for c in diff.statements],
        "elements": [{"change": c.change.value, "old": c.old, "new": c.new} for c in diff.elements],
        "levels": [{"change": c.change.value, "old": c.old, "new": c.new} for c in diff.levels],
    }


class DiffQuery(Input):
    base: Id = Field(description="Id of the other version of the same framework (the older one).")


@router.get(
    "/framework-versions/{version_id}/diff",
    response=DiffOut,
    summary="Statements added, removed, reworded, moved and renamed since another version",
    openapi_extra=documented("grid"),
)
def framework_version_diff(request: ApiRequest, version_id: Id, query: Query[DiffQuery]) -> Any:
    version = access.framework_version_for(request.membership, version_id)
    if (answer := refused(request, "grid")) is not None:
        return answer
    base = _base(version, query.base, drafts=access.reads_drafts(request.membership))
    return _diff_out(version, base, selectors_authoring.versions_diff(version=version, base=base))


def _mapping_out(m: StatementMapping) -> dict[str, Any]:
    return {
        "id": m.pk,
        "from_version_id": m.from_statement.version_id,
        "from_statement_id": m.from_statement_id,
        "from_code": m.from_statement.code,
        "to_statement_id": m.to_statement_id,
        "to_code": m.to_statement.code if m.to_statement else None,
        "kind": m.kind,
    }


class MappingsQuery(Input):
    base: Id | None = Field(None, description="Also propose mappings from the diff with this version.")


def _mappings_answer(version: FrameworkVersion, base: FrameworkVersion | None) -> dict[str, Any]:
    stored = StatementMapping.objects.filter(to_version=version).select_related(
        "from_statement", "to_statement"
    )
    suggestions = []
    if base is not None:
        suggestions = [
            {"from_code": row.statement.code, "to_code": to_code, "kind": kind}
            for row in selectors_authoring.mapping_rows(version=version, base=base)
            if row.suggested
            for to_code, kind in row.targets
        ]
    return {
        "version_id": version.pk,
        "revision": version.revision,
        "mappings": [_mapping_out(m) for m in stored],
        "suggestions": suggestions,
    }


@router.get(
    "/framework-versions/{version_id}/mappings",
    response=MappingsOut,
    summary="How statements of older versions live on in this one",
)
def framework_version_mappings(request: ApiRequest, version_id: Id, query: Query[MappingsQuery]) -> Any:
    version = access.framework_version_for(request.membership, version_id)
    drafts = access.reads_drafts(request.membership)
    base = _base(version, query.base, drafts=drafts) if query.base is not None else None
    return _mappings_answer(version, base)


@router.put(
    "/framework-versions/{version_id}/mappings",
    response=MappingsOut,
    summary="Replace the mappings from one older version onto this draft",
)
def framework_version_mappings_set(request: ApiRequest, version_id: Id, payload: MappingsIn) -> Any:
    version = _editable(request, version_id)
    try:
        base = selectors_authoring.base_for(version=version, base_id=payload.base_version_id)
    except InvalidField as exc:
        raise ValidationError(
            [{"loc": ["body", "payload", "base_version_id"], "msg": exc.message, "type": "value_error"}]
        ) from exc

    def go() -> Any:
        entries = selectors_authoring.mapping_entries_resolve(
            version=version,
            base=base,
            raw=[(m.from_code, m.to_code, m.kind.value) for m in payload.mappings],
        )
        return services_authoring.statement_mappings_set(
            version=version,
            base=base,
            entries=entries,
            expected_revision=payload.revision,
            actor=request.user,
        )

    _run(go)
    return _mappings_answer(version, None)
