"""The first-run guide on home: what SOMS is for and three first steps for the person's role, each
a link to a page that exists and that the role may open; hidden per login until asked for again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from soms.site.guide import first_steps
from soms.site.seeding import ADMIN_USERNAME, DEMO_LOGINS, PEOPLE
from soms.tenancy.models import Membership, Role
from soms.tenancy.services import membership_set, user_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def _login(world, role):
    user = user_create(username=f"new-{role}", password=PASSWORD)
    membership_set(organisation=world.org_a, user=user, role=role, actor=world.alice)
    return user


def _steps(page: str) -> list[tuple[str, str]]:
    guide = page.split('class="card guide"', 1)[1].split("</section>", 1)[0]
    return re.findall(
        r'<a class="card card-link guide-step" href="([^"]+)">.*?<strong>([^<]+)</strong>', guide, re.S
    )


@pytest.mark.parametrize(
    ("role", "first"),
    [
        (Role.OWNER, "Pick a framework"),
        (Role.ADMIN, "Pick a framework"),
        (Role.MANAGER, "See your team"),
        (Role.ASSESSOR, None),  # "Your queue" once assessments are there, else the framework
        (Role.MEMBER, "Read your framework"),
    ],
)
def test_a_newcomer_sees_three_first_steps_for_their_role_each_a_page_they_may_open(
    world, builtin, role, first
):
    user = _login(world, role)
    client = world.client_for(user)
    page = client.get(reverse("home")).content.decode()
    assert "SOMS keeps your organisation" in page
    steps = _steps(page)
    assert len(steps) == 3, steps
    if first:
        assert steps[0][1] == first
    for url, title in steps:
        response = client.get(url)
        assert response.status_code == 200, (role, title, url, response.status_code)


def test_the_steps_follow_the_role(world, builtin):
    titles = {
        role: [s.title for s in first_steps(Membership.objects.get(user=_login(world, role))).steps]
        for role in (Role.ADMIN, Role.MANAGER, Role.MEMBER)
    }
    assert titles[Role.ADMIN][:3] == ["Pick a framework", "Import your people", "Set up role profiles"]
    assert "Import your people" not in titles[Role.MANAGER] + titles[Role.MEMBER]
    assert "Plan your team's capacity" in titles[Role.MANAGER]
    assert "See your team" in titles[Role.MEMBER]


def test_a_step_whose_page_is_not_built_yet_is_left_out(world, builtin):
    member = Membership.objects.get(user=world.charlie, organisation=world.org_a)
    steps = first_steps(member).steps
    try:
        reverse("assessment-list")
    except NoReverseMatch:
        assert "Assess yourself" not in [s.title for s in steps]
    else:
        assert "Assess yourself" in [s.title for s in steps]
    assert all(s.url for s in steps)


def test_the_guide_is_hidden_per_login_in_every_organisation_until_asked_for(world, builtin):
    dana = world.client_for(world.dana, world.org_a)
    assert 'class="card guide"' in dana.get(reverse("home")).content.decode()
    hidden = dana.post(reverse("home-guide-dismiss"))
    assert hidden.status_code == 302 and hidden["Location"] == reverse("home")
    page = dana.get(reverse("home")).content.decode()
    assert 'class="card guide"' not in page and "Show the getting-started guide again" in page
    # Per login, not per organisation or session: another organisation and a new sign-in agree.
    assert 'class="card guide"' not in world.client_for(world.dana, world.org_b).get("/").content.decode()
    # Someone else still sees theirs.
    assert 'class="card guide"' in world.client_for(world.charlie).get("/").content.decode()
    assert dana.get(reverse("home-guide-dismiss")).status_code == 405
    dana.post(reverse("home-guide-restore"))
    assert 'class="card guide"' in dana.get(reverse("home")).content.decode()


def test_hiding_the_guide_needs_a_sign_in(client):
    response = client.post(reverse("home-guide-dismiss"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_readme_says_how_to_sign_in_as_each_demo_role():
    text = README.read_text()
    roles = {
        "priya.raman": "manager",
        "tom.okafor": "member",
        "grace.liu": "coach",
        "lena.fischer": "admin",
        "aisha.bello": "manager",
        "dan.moore": "member",
    }
    assert set(roles) == set(DEMO_LOGINS)
    assert f"`{ADMIN_USERNAME}`" in text and "password" in text
    for login, role in roles.items():
        assert login in PEOPLE
        # Each demo login is named with the role it shows.
        sentence = text[text.index(f"`{login}`") :][:120]
        assert role in sentence, (login, sentence)
