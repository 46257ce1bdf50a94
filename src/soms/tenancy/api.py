from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.params import functions as param
from pydantic import StringConstraints

from soms.fields import NON_BLANK, Id, Input
from soms.tenancy import selectors, services
from soms.tenancy.access import NotFound, api_token_for, member_required, require
from soms.tenancy.audit import AuditAction, action_label, changes_of, object_links, object_type_label
from soms.tenancy.models import ApiToken, Organisation
from soms.tenancy.requests import ApiRequest, MemberRequest

router = Router(tags=["organisations"])

TokenName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=NON_BLANK, max_length=100)]


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str


class MembershipOut(Schema):
    organisation: OrganisationOut
    role: str


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    current_organisation: OrganisationOut | None
    memberships: list[MembershipOut]
    authenticated_by: str


class ChangeOut(Schema):
    field: str
    before: str | None = Field(description="null: the field was not there before (created)")
    after: str | None = Field(description="null: the field is not there after (deleted)")


class AuditQuery(Input):
    actor: str | None = Field(
        None,
        max_length=150,
        description=f"Only changes by this username (`{selectors.SYSTEM_ACTOR}`: by no person)",
    )
    action: AuditAction | None = Field(None, description="Only this action")
    object_type: str | None = Field(
        None, max_length=80, description="Only objects of this type (e.g. CapacityStudy)"
    )
    since: date | None = Field(None, description="From this day (local time), included")
    until: date | None = Field(None, description="Up to this day (local time), included")


class AuditEntryOut(Schema):
    id: int
    created_at: datetime
    actor: str | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    action_label: str = Field(description="The action in words")
    object_type_label: str
    object_url: str | None = Field(description="The object's page, while it exists and has one")
    changes: list[ChangeOut] = Field(description="Before and after, field by field, in words")


def _orgs(request: ApiRequest) -> list[Organisation]:
    return [m.organisation for m in request.memberships]


@router.get("/me", response=MeOut, summary="The signed-in user and their memberships")
def me(request: ApiRequest) -> dict[str, Any]:
    user = request.user
    return {
        "id": user.pk,
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "current_organisation": request.organisation,
        "memberships": request.memberships,
        "authenticated_by": "token" if request.api_token else "session",
    }


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations you can work in")
def organisation_list(request: ApiRequest) -> list[Organisation]:
    return _orgs(request)


@router.get("/organisations/{organisation_id}", response=OrganisationOut)
def organisation_detail(request: ApiRequest, organisation_id: Id) -> Organisation:
    for org in _orgs(request):
        if org.pk == organisation_id:
            return org
    raise NotFound()


@router.get(
    "/audit-log", response=list[AuditEntryOut], summary="The current organisation's audit log (admins)"
)
@member_required
def audit_log(
    request: MemberRequest,
    response: HttpResponse,
    filters: Query[AuditQuery],
    limit: int = param.Query(100, ge=1, le=500, description="How many entries, newest first"),
    offset: int = param.Query(0, ge=0, le=10**9, description="How many of the newest entries to skip"),
) -> list[dict[str, Any]]:
    require(request.membership, "audit_log.read")
    response["Cache-Control"] = "private, no-store"
    since, until = filters.since, filters.until
    if since and until and since > until:
        raise ValidationError(
            [
                {
                    "loc": ["query", "until"],
                    "type": "value_error",
                    "msg": "the end date is before the start date",
                }
            ]
        )
    entries = list(
        selectors.audit_log_for(
            organisation=request.organisation,
            actor=filters.actor,
            action=filters.action,
            object_type=filters.object_type,
            since=since,
            until=until,
        )[offset : offset + limit]
    )
    links = object_links(entries)
    return [
        {
            "id": e.pk,
            "created_at": e.created_at,
            "actor": e.actor.get_username() if e.actor else None,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_repr": e.object_repr,
            "before": e.before,
            "after": e.after,
            "action_label": action_label(e.action),
            "object_type_label": object_type_label(e.object_type),
            "object_url": links.get((e.object_type, e.object_id)),
            "changes": changes_of(e.before, e.after),
        }
        for e in entries
    ]


class TokenIn(Input):
    name: TokenName = Field(description="What the token is for")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    organisation_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself. Shown only in this response; only a hash is kept.")


@router.get(
    "/tokens", response=list[TokenOut], tags=["tokens"], summary="Your API tokens in this organisation"
)
@member_required
def token_list(request: MemberRequest) -> list[ApiToken]:
    return list(selectors.api_tokens_of(user=request.user, organisation=request.organisation))


@router.post(
    "/tokens",
    response={201: NewTokenOut},
    tags=["tokens"],
    summary="Create a personal API token bound to the current organisation",
)
@member_required
def token_create(request: MemberRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    require(request.membership, "api_token.manage")
    # TokenName trims the name and refuses a blank one (422 naming the field).
    name = payload.name
    token, raw = services.api_token_create(user=request.user, organisation=request.organisation, name=name)
    out = TokenOut.from_orm(token).dict()
    out["token"] = raw
    return Status(201, out)


@router.delete(
    "/tokens/{token_id}", response={204: None}, tags=["tokens"], summary="Revoke one of your tokens"
)
@member_required
def token_revoke(request: MemberRequest, token_id: Id) -> Status[None]:
    token = api_token_for(request.user, request.organisation, token_id)
    services.api_token_revoke(token=token, actor=request.user)
    return Status(204, None)
