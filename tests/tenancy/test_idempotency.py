"""Idempotency keys (soms.tenancy.idempotency): the work is done once per key, a repeat gets the
first answer, another request under the same key is refused, and keys are per login, organisation
and operation, kept a day and then swept away by the nightly housekeeping."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from soms.core.problems import Invalid
from soms.jobs.schedule import periodic_jobs
from soms.tenancy.idempotency import (
    HEADER_PLACE,
    LIFETIME,
    KeyReused,
    fingerprint,
    idempotency_keys_expire,
    idempotent,
    parse_key,
)
from soms.tenancy.models import IdempotencyKey
from tests.conftest import World

pytestmark = pytest.mark.django_db


class Counter:
    """The work a key guards: counts its runs and answers with the run's number."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> dict[str, Any]:
        self.runs += 1
        return {"run": self.runs}


def _send(world: World, work: Counter, *, key: str | None = "k-1", content: Any = None, **over: Any) -> Any:
    args: dict[str, Any] = {
        "organisation_id": world.org_a.pk,
        "user": world.alice,
        "scope": "test.create",
        "key": key,
        "content": {"title": "Coach"} if content is None else content,
        "perform": work,
    }
    return idempotent(**(args | over))


def test_a_repeat_gets_the_first_answer_and_does_nothing(world: World) -> None:
    work = Counter()
    first = _send(world, work)
    again = _send(world, work)
    assert (first.answer, first.replayed) == ({"run": 1}, False)
    assert (again.answer, again.replayed) == ({"run": 1}, True)
    assert work.runs == 1 and IdempotencyKey.objects.count() == 1


def test_the_same_key_with_other_content_is_refused(world: World) -> None:
    work = Counter()
    _send(world, work)
    with pytest.raises(KeyReused) as refused:
        _send(world, work, content={"title": "Another"})
    assert (
        refused.value.problems[0].loc == HEADER_PLACE and "different request" in refused.value.problems[0].msg
    )
    assert work.runs == 1


def test_content_is_the_same_whatever_the_order_of_its_fields(world: World) -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": "1"})


def test_without_a_key_every_request_does_the_work(world: World) -> None:
    work = Counter()
    _send(world, work, key=None)
    _send(world, work, key=None)
    assert work.runs == 2 and not IdempotencyKey.objects.exists()


def test_keys_of_another_login_organisation_or_operation_do_not_collide(world: World) -> None:
    work = Counter()
    _send(world, work)
    assert not _send(world, work, user=world.bob).replayed
    assert not _send(world, work, organisation_id=world.org_b.pk).replayed
    assert not _send(world, work, scope="test.other").replayed
    assert work.runs == 4 and IdempotencyKey.objects.count() == 4


def test_work_that_fails_keeps_no_key(world: World) -> None:
    def refuse() -> dict[str, Any]:
        raise Invalid.for_field("title", "Say what the action is.")

    with pytest.raises(Invalid):
        _send(world, Counter(), perform=refuse)
    assert not IdempotencyKey.objects.exists()
    # The corrected request may use the same key.
    assert not _send(world, Counter(), content={"title": "Corrected"}).replayed


def test_an_expired_key_is_new_again_and_the_housekeeping_deletes_it(world: World) -> None:
    work = Counter()
    now = timezone.now()
    _send(world, work, now=now)
    later = now + LIFETIME + timedelta(seconds=1)
    # Not yet swept: after its lifetime the key names a new request.
    assert not _send(world, work, now=later).replayed and work.runs == 2
    _send(world, work, key="k-2", now=now)
    assert idempotency_keys_expire(now=later) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-1"]
    names = [job.name for job in periodic_jobs()]
    assert "soms.tenancy.periodic.idempotency_keys_housekeeping" in names


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (None, None),
        ("  ", None),
        ("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
    ],
)
def test_a_key_is_read_bare_or_as_a_structured_field_string(value: str | None, key: str | None) -> None:
    assert parse_key(value) == key


@pytest.mark.parametrize("value", ['""', "x" * 256, "caf\u00e9", 'a"b', "a\\b", "tab\there"])
def test_a_malformed_key_is_refused_at_the_header(value: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_key(value)
    assert refused.value.problems[0].loc == HEADER_PLACE


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_do_the_work_once(world: World) -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads share no in-memory SQLite database; the unique constraint is tested above")
    inside = threading.Event()
    release = threading.Event()
    runs: list[int] = []
    answers: list[Any] = []

    def slow() -> dict[str, Any]:
        # The first writer holds its key, uncommitted, while the second sends the same key.
        runs.append(1)
        inside.set()
        release.wait(10)
        return {"run": len(runs)}

    def send() -> None:
        try:
            answers.append(_send(world, slow))  # type: ignore[arg-type]
        finally:
            connection.close()

    first = threading.Thread(target=send)
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=send)
    second.start()
    # The second waits at the unique constraint (it cannot finish while the first is open).
    second.join(0.5)
    assert second.is_alive()
    release.set()
    first.join(10)
    second.join(10)
    assert len(runs) == 1 and IdempotencyKey.objects.count() == 1
    assert sorted(a.replayed for a in answers) == [False, True]
    assert all(a.answer == {"run": 1} for a in answers)
