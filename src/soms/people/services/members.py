"""Members (logins) of an organisation: invite, change role, remove; and inviting a person.

One user keeps one login across organisations: inviting an e-mail address that already has a login
adds a membership to that login. Every invite records an Invitation whose mail a job sends after the
write commits (soms.people.services.invitations): a new login's link lets them choose a password, an
existing login's link accepts once signed in. Removing a member withdraws their pending invitation
(its link then says so) and remembers their person record, to link it again if they come back. Removing a member revokes their API tokens for that
organisation at once; their sessions lose the organisation on the next request, because the
middleware reads memberships on every request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from soms.people.errors import PeopleConflict, PeopleInvalid
from soms.people.models import Person
from soms.people.permissions import OWNER_ONLY_ROLES
from soms.people.services.invitations import invitation_create, invitations_withdraw
from soms.people.services.revisions import bump_revision, check_revision
from soms.tenancy.models import ApiToken, Membership, Organisation, Role
from soms.tenancy.services import audit_log_write, user_create


def _user_for_email(email: str) -> Any:
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("id").first()
    if user is not None:
        return user
    username = email.lower()[:150]
    if User.objects.filter(username__iexact=username).exists():
        raise PeopleConflict(f"A login named {username!r} exists with another e-mail address.")
    return user_create(username=username, email=email, password=None)


def _clean_email(email: str) -> str:
    from django.core.validators import validate_email

    email = (email or "").strip()
    try:
        validate_email(email)
    except Exception:
        raise PeopleInvalid("email", "enter a valid e-mail address") from None
    return email


def _check_role_grant(actor_membership: Membership | None, role: str) -> None:
    if role not in Role.values:
        raise PeopleInvalid("role", f"choose one of {', '.join(Role.values)}")
    if role in OWNER_ONLY_ROLES and (actor_membership is None or actor_membership.role != Role.OWNER):
        raise PeopleInvalid("role", "only an owner can make someone an owner")


@transaction.atomic
def member_invite(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    actor: Any,
    actor_membership: Membership | None = None,
) -> Membership:
    email = _clean_email(email)
    _check_role_grant(actor_membership, role)
    user = _user_for_email(email)
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise PeopleConflict(f"{email} is already a member of {organisation.name}.")
    membership = Membership.objects.create(organisation=organisation, user=user, role=role)
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="membership.invite",
        obj=membership,
        after={"user": user.get_username(), "email": email, "role": role},
    )
    invitation_create(organisation=organisation, user=user, email=email, role=role, actor=actor)
    return membership


LAST_OWNER = (
    "This is the last owner of the organisation who can sign in (an invited owner counts once they "
    "have accepted the invitation): make someone else an owner first."
)


def _other_working_owners(membership: Membership) -> int:
    """Owners other than `membership` who can act as owners: an active login that has accepted its
    invitation (has signed in, or has a password of its own). An invitee who never set a password
    cannot run the organisation, so they do not keep the last real owner from being removed."""
    accepted = Q(user__last_login__isnull=False) | ~Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
    return (
        Membership.objects.filter(
            organisation_id=membership.organisation_id, role=Role.OWNER, user__is_active=True
        )
        .filter(accepted)
        .exclude(pk=membership.pk)
        .count()
    )


@transaction.atomic
def member_change_role(
    *,
    membership: Membership,
    role: str,
    actor: Any,
    actor_membership: Membership | None = None,
    revision: int | None = None,
) -> Membership:
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    check_revision(membership, revision, f"The membership of {membership.user.get_username()}")
    if role == membership.role:
        return membership
    _check_role_grant(actor_membership, role)
    if membership.role == Role.OWNER:
        if actor_membership is None or actor_membership.role != Role.OWNER:
            raise PeopleInvalid("role", "only an owner can change an owner's role")
        if not _other_working_owners(membership):
            raise PeopleConflict(LAST_OWNER)
    before = {"role": membership.role}
    bump_revision(membership, f"The membership of {membership.user.get_username()}")
    membership.role = role
    membership.save(update_fields=["role"])
    audit_log_write(
        actor=actor,
        organisation=membership.organisation,
        action="membership.change_role",
        obj=membership,
        before=before,
        after={"role": role},
    )
    return membership


@transaction.atomic
def member_remove(
    *,
    membership: Membership,
    actor: Any,
    actor_membership: Membership | None = None,
    revision: int | None = None,
) -> None:
    membership = (
        Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
    )
    check_revision(membership, revision, f"The membership of {membership.user.get_username()}")
    if membership.role == Role.OWNER:
        if actor_membership is None or actor_membership.role != Role.OWNER:
            raise PeopleInvalid("role", "only an owner can remove an owner")
        if not _other_working_owners(membership):
            raise PeopleConflict(LAST_OWNER)
    revoked = ApiToken.objects.filter(
        user=membership.user, organisation=membership.organisation, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    # The person record remembers the login, so that accepting a later invitation links it again.
    unlinked = Person.objects.filter(organisation=membership.organisation, user=membership.user).update(
        user=None, former_user=membership.user
    )
    withdrawn = invitations_withdraw(membership=membership)
    audit_log_write(
        actor=actor,
        organisation=membership.organisation,
        action="membership.remove",
        obj=membership,
        before={"user": membership.user.get_username(), "role": membership.role},
        after={
            "tokens_revoked": revoked,
            "person_unlinked": bool(unlinked),
            "invitations_withdrawn": withdrawn,
        },
    )
    membership.delete()


@transaction.atomic
def person_invite(
    *, person: Person, actor: Any, role: str = Role.MEMBER, actor_membership: Membership | None = None
) -> Membership:
    """Invite the person's e-mail address and link the login to the person record."""
    if not person.email:
        raise PeopleInvalid("email", "the person has no e-mail address to invite")
    organisation = person.organisation
    email = _clean_email(person.email)
    user = _user_for_email(email)
    other = Person.objects.filter(organisation=organisation, user=user).exclude(pk=person.pk).first()
    if other is not None:
        raise PeopleConflict(f"That login is already linked to {other.name} in this organisation.")
    membership = Membership.objects.filter(organisation=organisation, user=user).first()
    if membership is None:
        _check_role_grant(actor_membership, role)
        membership = Membership.objects.create(organisation=organisation, user=user, role=role)
    person.user = user
    person.former_user = None
    person.save(update_fields=["user", "former_user"])
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="person.invite",
        obj=person,
        after={"user": user.get_username(), "email": email, "role": membership.role},
    )
    invitation_create(
        organisation=organisation, user=user, email=email, role=membership.role, actor=actor, person=person
    )
    return membership
