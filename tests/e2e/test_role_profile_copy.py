"""An admin adapts a built-in role profile: copy it into the organisation, then change a level."""

from __future__ import annotations

import pytest

from soms.people.models import RoleProfile
from soms.people.services.profiles import role_profiles_builtin_load
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_phone_layout import PHONE, check

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_copies_a_builtin_profile_and_edits_the_copy(live_server, world, builtin, page):
    role_profiles_builtin_load()
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + "/people/role-profiles/")
    page.click("text=Operating-model coach")
    page.wait_for_selector("h2:has-text('Adapt for')")
    assert page.input_value("#id_copy-code") == "om-coach"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "role-profile-copy-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    check(page, "role-profile-copy")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.fill("#id_copy-name", "Claims coach")
    page.click("button:has-text('Copy into my organisation')")
    page.wait_for_selector("h1:has-text('Claims coach')")
    assert "Copied Operating-model coach into Claims coach" in page.inner_text(".messages")
    copy = RoleProfile.objects.get(organisation=world.org_a, code="om-coach")
    delivery = copy.requirements.get(element__code="delivery")
    page.select_option(f"#el-{delivery.element_id}", label="Senior Practitioner")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Role profile saved.")
    assert copy.requirements.get(element__code="delivery").level.code == "senior-practitioner"
    builtin_coach = RoleProfile.objects.get(organisation=None, code="om-coach")
    assert builtin_coach.requirements.get(element__code="delivery").level.code == "practitioner"
    page.set_viewport_size(PHONE)
    check(page, "role-profile-copied")
