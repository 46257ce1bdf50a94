"""Pages that stay fast as audits accumulate: the list and the results page read a bounded number
of queries whatever the number of audits (the audit tools users complain of took 8 s for 15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soms.audit.services import audits as svc
from tests.audit.helpers import answer_all, make_audit

pytestmark = pytest.mark.django_db


def _closed(world: Any, n: int) -> Any:
    audit = make_audit(world.org_a, world.alice, title=f"Audit {n}")
    r = svc.respondent_add(audit=audit, user=world.alice, actor=world.alice)
    answer_all(r, audit, 3)
    svc.consensus_accept_agreed(audit=audit, actor=world.alice)
    return audit


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_and_results_do_not_grow_with_the_number_of_audits(world: Any) -> None:
    client = world.client_for(world.alice, world.org_a)
    first = _closed(world, 0)
    list_one = _count(client, reverse("audits-index"))
    results_one = _count(client, reverse("audits-results", args=[first.pk]))
    for n in range(1, 15):
        _closed(world, n)
    assert _count(client, reverse("audits-index")) == list_one
    # The results page compares units: one scope here, whatever the number of audits of it.
    assert _count(client, reverse("audits-results", args=[first.pk])) <= results_one + 2
    print(f"\naudit list: {list_one} queries; results page: {results_one} queries")
