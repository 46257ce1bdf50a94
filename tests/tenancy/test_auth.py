from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from soms.tenancy.models import AuditLogEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_works_and_lands_on_home(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Alpha Services" in home.content.decode()


def test_password_is_hashed_with_argon2_outside_tests(settings):
    from soms import settings as real

    assert real.PASSWORD_HASHERS[-2] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert any("Argon2" in h for h in real.PASSWORD_HASHERS)


def test_wrong_password_and_unknown_user_get_the_same_answer(world):
    wrong = Client().post(reverse("login"), {"username": "alice", "password": "nope-nope-nope"})
    unknown = Client().post(reverse("login"), {"username": "nobody-here", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    wrong_errors = wrong.context["form"].non_field_errors()
    unknown_errors = unknown.context["form"].non_field_errors()
    assert list(wrong_errors) == list(unknown_errors)
    assert "nobody-here" not in str(unknown_errors)


def test_lockout_after_repeated_failures_even_with_the_right_password(world, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "charlie", "password": "wrong-password-1"})
    locked = client.post(reverse("login"), {"username": "charlie", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # The same lockout answer for a user that does not exist: nothing to learn from it.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "ghost", "password": "wrong-password-1"})
    ghost = client.post(reverse("login"), {"username": "ghost", "password": "whatever-123"})
    assert ghost.status_code == 429
    assert ghost.content.decode().count("Too many failed") == 1
    # Another user is not affected.
    assert Client().post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302


def test_pages_need_sign_in(world):
    for name in ["home", "framework-list", "api-tokens", "audit-log", "members", "password-change"]:
        response = Client().get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))


def test_logout_is_post_only(world):
    client = world.client_for(world.alice)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change(world):
    client = world.client_for(world.alice)
    bad = client.post(
        reverse("password-change"), {"old_password": "wrong", "new_password1": "x", "new_password2": "y"}
    )
    assert bad.status_code == 200
    assert bad.context["form"].errors["old_password"]
    new = "a much better passphrase 42"
    ok = client.post(
        reverse("password-change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert ok.status_code == 302
    assert get_user_model().objects.get(username="alice").check_password(new)
    assert AuditLogEntry.objects.filter(action="user.password_change", actor=world.alice).exists()
    # Still signed in after the change.
    assert client.get(reverse("home")).status_code == 200


def test_user_without_membership_is_told_what_to_do(db):
    from soms.tenancy.services import user_create

    loner = user_create(username="loner", password=PASSWORD)
    client = Client()
    client.force_login(loner)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "not a member of any organisation" in response.content.decode()
