"""A person merge carries the merged-away record's monthly standing (`PersonSnapshot`) over to the
kept person; a month both were counted in keeps only the kept person's row."""

from __future__ import annotations

from datetime import date
from typing import Any

from soms.insights.models import PersonSnapshot
from soms.people.services.privacy import person_merge
from tests.people.conftest import Org


def _row(org: Org, version: Any, person_id: int, month: date, cell: int) -> None:
    PersonSnapshot.objects.create(
        organisation=org.world.org_a,
        version=version,
        month=month,
        person_id=person_id,
        cells=bytes([cell] * 4),
    )


def test_merge_moves_the_duplicates_snapshots_and_drops_the_clashing_month(
    org: Org, soms_version: Any
) -> None:
    keep, duplicate, other = org.people["E003"], org.people["E004"], org.people["E006"]
    _row(org, soms_version, keep.pk, date(2026, 10, 1), 1)
    _row(org, soms_version, duplicate.pk, date(2026, 9, 1), 2)
    _row(org, soms_version, duplicate.pk, date(2026, 10, 1), 3)
    _row(org, soms_version, other.pk, date(2026, 10, 1), 4)
    person_merge(keep=keep, duplicate=duplicate, actor=org.world.alice)
    assert not PersonSnapshot.objects.filter(person_id=duplicate.pk).exists()
    kept = {
        (r.month, bytes(r.cells)[0])
        for r in PersonSnapshot.objects.filter(organisation=org.world.org_a, person_id=keep.pk)
    }
    assert kept == {(date(2026, 9, 1), 2), (date(2026, 10, 1), 1)}
    assert PersonSnapshot.objects.filter(person_id=other.pk).count() == 1
