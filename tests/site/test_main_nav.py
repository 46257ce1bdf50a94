"""The top bar's menu is drawn once per page name and kind of menu (soms/site/templatetags/main_nav.py):
what it shows must still follow the page and the member's role on every request."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from soms.tenancy.models import Membership, Role

pytestmark = pytest.mark.django_db


def _menu(page: str) -> tuple[list[str], list[str]]:
    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', page, re.S)
    assert nav is not None
    links = re.findall(r"<a href=\"[^\"]+\"[^>]*>([^<]+)</a>", nav.group(1))
    current = re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', nav.group(1))
    return links, current


def test_the_menu_marks_the_current_page_and_shows_admin_entries_only_to_admins(world):
    admin = world.client_for(world.alice, world.org_a)
    member = world.client_for(world.charlie, world.org_a)
    links, current = _menu(member.get(reverse("home")).text)
    assert "Members" not in links and "Audit log" not in links and current == ["Home"]
    links, current = _menu(admin.get(reverse("home")).text)
    assert "Members" in links and "Audit log" in links and current == ["Home"]
    assert _menu(admin.get(reverse("capacity-home")).text)[1] == ["Capacity"]
    assert _menu(admin.get(reverse("members")).text)[1] == ["Members"]
    # The same page for a member after a member of the same name was drawn for an admin.
    assert "Members" not in _menu(member.get(reverse("capacity-home")).text)[0]


def test_a_member_made_admin_sees_the_admin_entries_on_the_next_page(world):
    client = world.client_for(world.charlie, world.org_a)
    assert "Members" not in _menu(client.get(reverse("home")).text)[0]
    Membership.objects.filter(user=world.charlie, organisation=world.org_a).update(role=Role.ADMIN)
    assert "Members" in _menu(client.get(reverse("home")).text)[0]
    Membership.objects.filter(user=world.charlie, organisation=world.org_a).update(role=Role.MEMBER)
    assert "Members" not in _menu(client.get(reverse("home")).text)[0]
