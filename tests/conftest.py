"""Shared fixtures, in the spirit of healthchecks' alice / bob / charlie:

- alice owns organisation A; bob owns organisation B (the other tenant);
- charlie is a plain member of A; dana is an assessor in A and a member of B (a consultant).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from soms.frameworks.services.versions import builtin_frameworks_load
from soms.tenancy.models import Organisation, Role
from soms.tenancy.services import membership_set, organisation_create, user_create

PASSWORD = "correct horse battery staple"

# CI explores the same examples on every run, so a red build always means a change did it; locally
# each run explores new examples (and remembers failures in .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    alice: Any
    bob: Any
    charlie: Any
    dana: Any

    def client_for(self, user: Any, organisation: Organisation | None = None) -> Client:
        client = Client()
        client.force_login(user)
        if organisation is not None:
            session = client.session
            session["soms_organisation_id"] = organisation.pk
            session.save()
        return client


@pytest.fixture
def world(db: Any) -> World:
    alice = user_create(username="alice", email="alice@example.org", password=PASSWORD)
    bob = user_create(username="bob", email="bob@example.org", password=PASSWORD)
    charlie = user_create(username="charlie", password=PASSWORD)
    dana = user_create(username="dana", password=PASSWORD)
    org_a = organisation_create(name="Alpha Services", owner=alice, actor=alice)
    org_b = organisation_create(name="Beta Operations", owner=bob, actor=bob)
    membership_set(organisation=org_a, user=charlie, role=Role.MEMBER, actor=alice)
    membership_set(organisation=org_a, user=dana, role=Role.ASSESSOR, actor=alice)
    membership_set(organisation=org_b, user=dana, role=Role.MEMBER, actor=bob)
    return World(org_a=org_a, org_b=org_b, alice=alice, bob=bob, charlie=charlie, dana=dana)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: Any) -> None:
    # Uploaded files (evidence) go to a temporary directory, never into the data directory.
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


@pytest.fixture(scope="session", autouse=True)
def _shared_templates(tmp_path_factory: Any) -> None:
    # The data directories set up once per run (tests/migrated.py) go where every pytest-xdist worker
    # of this run finds them: beside the workers' own temporary directories.
    import tests.migrated

    base = tmp_path_factory.getbasetemp()
    tests.migrated.SHARED_ROOT = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture
def builtin(db: Any) -> None:
    builtin_frameworks_load()


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """`sqlite_only` / `postgres_only` tests run only on their backend (CI runs the suite on both)."""
    from django.conf import settings

    vendor = "sqlite" if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else "postgresql"
    for item in items:
        if vendor != "sqlite" and item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.skip(reason="only meaningful on SQLite"))
        if vendor != "postgresql" and item.get_closest_marker("postgres_only"):
            item.add_marker(pytest.mark.skip(reason="only meaningful on PostgreSQL"))
        # Slow statistical checks run from `make bench` (scripts/bench.sh), not on every test run.
        if item.get_closest_marker("slow") and os.environ.get("SOMS_SLOW_TESTS") != "1":
            item.add_marker(pytest.mark.skip(reason="slow: set SOMS_SLOW_TESTS=1 (make bench runs it)"))
