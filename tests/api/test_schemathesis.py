"""A bounded schemathesis run over the whole API: every operation, every method, a fixed small budget.

Generated requests go through the WSGI app in this process, authenticated with a token of an
organisation that holds a draft framework and a capacity study, as a demo organisation does. Any
5xx, or an answer the OpenAPI document does not describe (status, content type, body), fails.
Derandomized: the same requests on every run, so a red run always means a change did it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from soms.tenancy.services import api_token_create
from soms.toolkits.capacity import services as capacity_services
from soms.toolkits.capacity.schemas import ErlangInput
from soms.wsgi import application
from tests.probe import probe_draft

pytestmark = pytest.mark.django_db

# Examples per operation: small enough that the whole run stays well under two minutes on a busy
# two-core machine, large enough that every operation sees a few shapes of input.
MAX_EXAMPLES = 3


def _demo_like(world: Any) -> str:
    probe_draft(world)
    erlang = ErlangInput.model_validate({"calls": 100, "aht": 180})
    capacity_services.capacity_study_create(
        organisation=world.org_a,
        actor=world.alice,
        name="Study",
        description="",
        inp=erlang,
    )
    _, raw = api_token_create(user=world.alice, organisation=world.org_a, name="schemathesis")
    return raw


@pytest.fixture
def connections_kept_open() -> Any:
    """The WSGI handler closes database connections at the end of each request, as a server must;
    inside a test that would close the test's own transaction (PostgreSQL), so, as Django's test
    client does, the signal stays unconnected while the run lasts."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_every_operation_answers_as_the_spec_says(world, builtin, connections_kept_open, capsys):
    headers = {"Authorization": f"Bearer {_demo_like(world)}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    failures: list[str] = []
    sent = 0
    operations = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent += _run(operation, mode, headers, failures)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\nschemathesis: {operations} operations, {sent} requests in {elapsed:.1f} s")
    assert not failures, "\n\n".join(failures)


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str], failures: list[str]) -> int:
    """Up to MAX_EXAMPLES requests to one operation: valid ones (positive) or ones that break the
    schema (negative, which must be refused with a 4xx). Returns how many were sent."""
    sent = 0

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        # No shrinking: a failure is reported as found, and the run stays bounded in time.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal sent
        sent += 1
        # Not "positive data acceptance": a schema-valid request may still be refused with the
        # documented 422 when it breaks a rule no schema can state (a framework document whose
        # statements name a missing level, a base version of another framework).
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    try:
        run()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # every failing operation is reported, not only the first
        failures.append(f"{operation.label} ({mode}): {str(exc).strip()[:3000]}")
    return sent
