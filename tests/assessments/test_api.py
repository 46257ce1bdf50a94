"""The assessments API: the journey, the conflict answer, and bad input named by its place."""

from __future__ import annotations

import json
from typing import Any

import pytest

from soms.assessments.models import Assessment, Judgement
from soms.frameworks.models import Statement
from tests.assessments.conftest import statements

pytestmark = pytest.mark.django_db

DC = "demand-capacity"
API = "/api/v1/assessments"


def _post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _put(client: Any, url: str, body: Any) -> Any:
    return client.put(url, json.dumps(body), content_type="application/json")


def _start_self(org: Any, version: Any) -> tuple[Any, dict[str, Any]]:
    client = org.world.client_for(org.world.charlie, org.world.org_a)
    r = _post(client, API, {"person_id": org.people["E007"].pk, "version_id": version.pk, "kind": "self"})
    assert r.status_code == 201, r.content
    return client, r.json()


def test_the_journey_over_the_api(org: Any, soms_version: Any) -> None:
    charlie, a = _start_self(org, soms_version)
    assert (a["status"], a["kind"], a["assessor"], a["revision"]) == ("draft", "self", "charlie", 1)
    found = statements(soms_version, DC, "foundation")
    r = _put(
        charlie,
        f"{API}/{a['id']}/judgements",
        {
            "revision": 1,
            "judgements": [{"statement_id": s.pk, "value": "met", "comment": "rota"} for s in found],
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["revision"] == 2 and len(body["judgements"]) == len(found)
    r = _post(charlie, f"{API}/{a['id']}/submit", {"revision": 2})
    assert r.status_code == 200 and r.json()["status"] == "submitted"

    dana = org.world.client_for(org.world.dana, org.world.org_a)
    queue = dana.get(f"{API}/queue").json()
    assert [i["id"] for i in queue["items"]] == [a["id"]] and queue["count"] == 1
    # charlie (a member) neither returns nor validates; a return needs a reason.
    assert _post(charlie, f"{API}/{a['id']}/validate", {}).status_code == 403
    r = _post(dana, f"{API}/{a['id']}/return", {"reason": ""})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "payload", "reason"]
    r = _post(dana, f"{API}/{a['id']}/return", {"reason": "Name the month"})
    assert r.status_code == 200 and r.json()["return_reason"] == "Name the month"
    assert _post(charlie, f"{API}/{a['id']}/resubmit", {}).json()["status"] == "submitted"
    r = _post(dana, f"{API}/{a['id']}/validate", {})
    assert r.status_code == 200, r.content
    done = r.json()
    assert done["status"] == "validated" and done["validated_by"] == "dana" and done["validated_on"]
    assert [e["action"] for e in done["events"]] == ["create", "submit", "return", "resubmit", "validate"]
    # Validated: it never changes; a correction supersedes it.
    r = _put(
        charlie,
        f"{API}/{a['id']}/judgements",
        {"revision": done["revision"], "judgements": [{"statement_id": found[0].pk, "value": "not_yet"}]},
    )
    assert r.status_code == 409 and "correction" in r.json()["detail"]
    r = _post(charlie, f"{API}/{a['id']}/correct", {})
    assert r.status_code == 201, r.content
    fix = r.json()
    assert (
        fix["supersedes_id"] == a["id"] and fix["status"] == "draft" and len(fix["judgements"]) == len(found)
    )
    assert charlie.get(f"{API}/{a['id']}").json()["superseded_by_id"] == fix["id"]
    mine = charlie.get(f"{API}?scope=mine").json()
    assert {i["id"] for i in mine["items"]} == {a["id"], fix["id"]}


def test_a_stale_put_answers_409_with_the_stored_and_the_sent_values(org: Any, soms_version: Any) -> None:
    charlie, a = _start_self(org, soms_version)
    s1 = statements(soms_version, DC, "foundation")[0]
    url = f"{API}/{a['id']}/judgements"
    first = _put(charlie, url, {"revision": 1, "judgements": [{"statement_id": s1.pk, "value": "partly"}]})
    assert first.status_code == 200
    r = _put(
        charlie,
        url,
        {"revision": 1, "judgements": [{"statement_id": s1.pk, "value": "met", "comment": "typed"}]},
    )
    assert r.status_code == 409
    body = r.json()
    assert body["revision"] == 2 and body["changed_by"] == "charlie"
    assert body["current"] == [{"statement_id": s1.pk, "value": "partly", "comment": ""}]
    assert body["yours"] == [{"statement_id": s1.pk, "value": "met", "comment": "typed"}]
    assert Judgement.objects.get().value == "partly"


def test_bad_input_is_named_and_nothing_is_written(org: Any, soms_version: Any) -> None:
    charlie, a = _start_self(org, soms_version)
    other = Statement.objects.exclude(version=soms_version).first()
    ok = statements(soms_version, DC, "foundation")[0]
    assert other is not None
    url = f"{API}/{a['id']}/judgements"
    r = _put(
        charlie,
        url,
        {
            "revision": 1,
            "judgements": [
                {"statement_id": ok.pk, "value": "met"},
                {"statement_id": other.pk, "value": "met"},
            ],
        },
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "payload", "judgements", 1, "statement_id"]
    r = _put(charlie, url, {"revision": 1, "judgements": [{"statement_id": ok.pk, "value": "great"}]})
    assert r.status_code == 422
    r = _put(
        charlie,
        url,
        {"revision": 1, "judgements": [{"statement_id": ok.pk, "value": "met", "comment": "a\x00b"}]},
    )
    assert r.status_code == 422
    assert _post(charlie, f"{API}/{a['id']}/submit", {}).status_code == 422  # nothing judged yet
    assert not Judgement.objects.exists()
    # Starting: another person's self-assessment is refused; an unknown version is named.
    r = _post(
        charlie, API, {"person_id": org.people["E008"].pk, "version_id": soms_version.pk, "kind": "self"}
    )
    assert r.status_code == 403
    r = _post(charlie, API, {"person_id": org.people["E007"].pk, "version_id": 2**31 - 7, "kind": "self"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "payload", "version_id"]
    r = _post(
        charlie, API, {"person_id": org.people["E008"].pk, "version_id": soms_version.pk, "kind": "coach"}
    )
    assert r.status_code == 403
    r = _post(
        charlie, API, {"person_id": org.people["E007"].pk, "version_id": soms_version.pk, "kind": "self"}
    )
    assert r.status_code == 409  # already an open one
    assert Assessment.objects.count() == 1


def test_the_person_assessed_cannot_validate(org: Any, soms_version: Any) -> None:
    dana = org.world.client_for(org.world.dana, org.world.org_a)
    r = _post(dana, API, {"person_id": org.people["E002"].pk, "version_id": soms_version.pk, "kind": "coach"})
    assert r.status_code == 201, r.content
    a = r.json()
    s1 = statements(soms_version, DC, "foundation")[0]
    _put(
        dana,
        f"{API}/{a['id']}/judgements",
        {"revision": 1, "judgements": [{"statement_id": s1.pk, "value": "met"}]},
    )
    assert _post(dana, f"{API}/{a['id']}/submit", {}).status_code == 200
    priya = org.world.client_for(org.priya, org.world.org_a)
    r = _post(priya, f"{API}/{a['id']}/validate", {})
    assert r.status_code == 403 and "themself" in r.json()["detail"]
    assert _post(dana, f"{API}/{a['id']}/validate", {}).status_code == 403
    assert priya.get(f"{API}/queue").json()["count"] == 0
