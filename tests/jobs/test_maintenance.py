from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from soms.jobs.maintenance import planner_statistics_refresh

pytestmark = pytest.mark.django_db


def test_the_planner_statistics_cover_the_people(django_user_model: Any) -> None:
    from soms.people.models import Person
    from soms.tenancy.services import organisation_create

    org = organisation_create(name="Stats", owner=None, actor=None)
    Person.objects.bulk_create(
        [Person(organisation=org, name=f"P {i}", name_key=f"p {i}", employee_id=f"E{i}") for i in range(20)]
    )
    assert planner_statistics_refresh().startswith("planner statistics refreshed")
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'people_person'")
        else:
            cur.execute("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'people_person'")
        assert cur.fetchone()[0] > 0


def test_a_migration_leaves_the_planner_statistics_in_place() -> None:
    from django.core.management import call_command

    with connection.cursor() as cur:
        if connection.vendor != "sqlite":
            pytest.skip("PostgreSQL keeps statistics through ALTER TABLE")
        cur.execute("DELETE FROM sqlite_stat1")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM sqlite_stat1")
        assert cur.fetchone()[0] > 0
