from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from soms.jobs.testing import jobs_run
from soms.people.errors import PeopleConflict, PeopleInvalid
from soms.people.models import Person
from soms.people.services.members import member_change_role, member_invite, member_remove, person_invite
from soms.tenancy.models import AuditLogEntry, Membership, Role
from soms.tenancy.services import api_token_create

pytestmark = pytest.mark.django_db


def _m(user, org):
    return Membership.objects.get(user=user, organisation=org)


def test_invite_a_new_address_sends_a_set_password_link_that_works_once(
    world,
):
    owner = _m(world.alice, world.org_a)
    with jobs_run():
        m = member_invite(
            organisation=world.org_a,
            email="New.Person@example.org",
            role=Role.MEMBER,
            actor=world.alice,
            actor_membership=owner,
        )
    assert m.user.username == "new.person@example.org" and not m.user.has_usable_password()
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/invite/\S+/", mail.outbox[0].body).group(0)
    path = link.split("8000", 1)[1]
    client = Client()
    form_page = client.get(path)
    assert form_page.status_code == 200 and b"Choose your password" in form_page.content
    done = client.post(
        path, {"new_password1": "a long new passphrase 7", "new_password2": "a long new passphrase 7"}
    )
    assert done.status_code == 302
    signed_in = Client().post(
        "/login/", {"username": "new.person@example.org", "password": "a long new passphrase 7"}
    )
    assert signed_in.status_code == 302
    again = Client().get(path)
    assert again.status_code == 410 and b"already used" in again.content
    assert AuditLogEntry.objects.filter(action="membership.invite", organisation=world.org_a).exists()


def test_inviting_an_existing_login_adds_a_membership_to_it(world):
    with jobs_run():
        m = member_invite(
            organisation=world.org_b,
            email="ALICE@example.org",
            role=Role.ASSESSOR,
            actor=world.bob,
            actor_membership=_m(world.bob, world.org_b),
        )
    assert m.user == world.alice
    assert get_user_model().objects.filter(email__iexact="alice@example.org").count() == 1
    assert "Sign in with your existing login" in mail.outbox[0].body
    with pytest.raises(PeopleConflict):
        member_invite(organisation=world.org_b, email="alice@example.org", role=Role.MEMBER, actor=world.bob)


def test_only_owners_make_owners_and_the_last_owner_stays(world):
    owner = _m(world.alice, world.org_a)
    charlie = _m(world.charlie, world.org_a)
    member_change_role(membership=charlie, role=Role.ADMIN, actor=world.alice, actor_membership=owner)
    admin = _m(world.charlie, world.org_a)
    with pytest.raises(PeopleInvalid, match="only an owner"):
        member_change_role(
            membership=_m(world.dana, world.org_a),
            role=Role.OWNER,
            actor=world.charlie,
            actor_membership=admin,
        )
    with pytest.raises(PeopleConflict, match="last owner"):
        member_change_role(membership=owner, role=Role.ADMIN, actor=world.alice, actor_membership=owner)
    with pytest.raises(PeopleConflict, match="last owner"):
        member_remove(membership=owner, actor=world.alice, actor_membership=owner)
    member_change_role(membership=admin, role=Role.OWNER, actor=world.alice, actor_membership=owner)
    member_change_role(membership=owner, role=Role.ADMIN, actor=world.alice, actor_membership=owner)
    assert _m(world.alice, world.org_a).role == Role.ADMIN


def test_a_removed_member_loses_tokens_and_sessions_at_once(world):
    _, raw = api_token_create(user=world.dana, organisation=world.org_a, name="laptop")
    session = world.client_for(world.dana, world.org_a)
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert session.get("/api/v1/me").json()["current_organisation"]["id"] == world.org_a.pk
    member_remove(
        membership=_m(world.dana, world.org_a),
        actor=world.alice,
        actor_membership=_m(world.alice, world.org_a),
    )
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    me = session.get("/api/v1/me").json()
    assert me["current_organisation"]["id"] == world.org_b.pk  # still in B, no longer in A
    assert [m["organisation"]["id"] for m in me["memberships"]] == [world.org_b.pk]


def test_inviting_a_person_links_their_login(org):
    sam = org.people["E003"]
    Person.objects.filter(pk=sam.pk).update(email="sam.south@example.org")
    sam.refresh_from_db()
    with jobs_run():
        m = person_invite(
            person=sam, actor=org.world.alice, actor_membership=_m(org.world.alice, org.world.org_a)
        )
    sam.refresh_from_db()
    assert sam.user == m.user and m.role == Role.MEMBER
    assert "invite" in mail.outbox[0].body
    with pytest.raises(PeopleInvalid):
        person_invite(person=org.people["E001"], actor=org.world.alice)  # no e-mail address


def test_an_owner_who_never_accepted_the_invitation_does_not_count_as_the_other_owner(world):
    owner = _m(world.alice, world.org_a)
    pending = member_invite(
        organisation=world.org_a,
        email="pending.owner@example.org",
        role=Role.OWNER,
        actor=world.alice,
        actor_membership=owner,
    )
    assert not pending.user.has_usable_password() and pending.user.last_login is None
    # Two owners on paper, one who can act: alice is still the last owner.
    with pytest.raises(PeopleConflict, match="last owner"):
        member_change_role(membership=owner, role=Role.ADMIN, actor=world.alice, actor_membership=owner)
    with pytest.raises(PeopleConflict, match="last owner"):
        member_remove(membership=owner, actor=world.alice, actor_membership=owner)
    assert _m(world.alice, world.org_a).role == Role.OWNER
    # A deactivated login does not count either, even with a password.
    charlie = _m(world.charlie, world.org_a)
    member_change_role(membership=charlie, role=Role.OWNER, actor=world.alice, actor_membership=owner)
    get_user_model().objects.filter(pk=world.charlie.pk).update(is_active=False)
    with pytest.raises(PeopleConflict, match="last owner"):
        member_remove(membership=owner, actor=world.alice, actor_membership=owner)
    # The pending owner may go (alice remains); once an invitee has set a password they count.
    member_remove(membership=pending, actor=world.alice, actor_membership=owner)
    again = member_invite(
        organisation=world.org_a,
        email="second.owner@example.org",
        role=Role.OWNER,
        actor=world.alice,
        actor_membership=owner,
    )
    again.user.set_password("a long new passphrase 7")
    again.user.save()
    member_change_role(membership=owner, role=Role.ADMIN, actor=world.alice, actor_membership=owner)
    assert _m(world.alice, world.org_a).role == Role.ADMIN
