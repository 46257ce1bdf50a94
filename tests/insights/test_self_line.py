"""The self line of a person's page (what their own self-assessments would give if validated) is
kept in `SelfLine` by the page that computed it, and read back while what it was computed from is
unchanged and its day has not come. Every change of its inputs through the product's own services
(judging, submitting, validating, correcting, a change project, the organisation's validity, a
merge) and time alone each make the next reader compute it again; that answer is always what the
live computation answers.

People (tests/people/conftest.py): charlie (member) is E007; dana an assessor; alice the owner.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from soms.assessments.models import Assessment, SelfLine, ValidityOverride
from soms.assessments.services import attainment
from soms.assessments.services.assessments import (
    JudgementIn,
    assessment_correct,
    assessment_start,
    assessment_submit,
    assessment_validate,
    judgements_save,
)
from soms.assessments.services.attainment import evaluate_self, recompute
from soms.frameworks.models import Level
from soms.insights.selectors.person import _own_line, _person_rows, person_view
from soms.people.models import Person
from soms.people.services.privacy import person_merge
from soms.tenancy.models import Membership
from tests.assessments.conftest import project, statements, validated

pytestmark = pytest.mark.django_db

DC, DELIVERY = "demand-capacity", "delivery"


def _m(user: Any, org: Any) -> Membership:
    return Membership.objects.select_related("organisation").get(user=user, organisation=org.world.org_a)


def _view(org: Any, person: Person, version: Any) -> dict[str, Any]:
    return person_view(_m(org.world.alice, org), Person.objects.get(pk=person.pk), version, charts=False)


def _self_column(view: dict[str, Any]) -> dict[str, str | None]:
    return {r["element"]: r["self"] for r in view["rows"]}


def _live(person: Person, version: Any, at: date | None = None) -> tuple[dict[str, str | None], bool]:
    return evaluate_self(person.pk, person.organisation_id, version, at or timezone.localdate())


def _stored(person: Person, version: Any) -> dict[str, Any] | None:
    row = SelfLine.objects.filter(person=person, version=version).first()
    return row.line if row else None


def _agrees(org: Any, person: Person, version: Any, at: date | None = None) -> dict[str, Any]:
    """The page's self line is the live one, and what it stored is what it showed."""
    view = _view(org, person, version)
    levels, judged = _live(person, version, at)
    assert _self_column(view) == levels
    assert view["has_self"] is judged
    line = _stored(person, version)
    assert line is not None and line["levels"] == levels and line["judged"] is judged
    return line


def _judge(a: Assessment, org: Any, user: Any, values: dict[Any, str]) -> Assessment:
    return judgements_save(
        assessment=a,
        membership=_m(user, org),
        actor=user,
        judgements=[JudgementIn(s.pk, v) for s, v in values.items()],
        revision=Assessment.objects.get(pk=a.pk).revision,
    )


def test_the_self_line_is_stored_once_and_read_back_with_the_rest(
    org: Any, soms_version: Any, django_assert_num_queries: Any
) -> None:
    charlie, person = org.world.charlie, org.people["E007"]
    a = assessment_start(
        membership=_m(charlie, org), actor=charlie, person=person, version=soms_version, kind="self"
    )
    _judge(a, org, charlie, {s: "met" for s in statements(soms_version, DC, "foundation")})
    line = _agrees(org, person, soms_version)
    assert line["levels"][DC] == "foundation" and line["judged"] is True
    # A draft's judgements are dated the day they are read: nothing of it runs out by a set day
    # before its validity from today would.
    assert line["until"] is None or date.fromisoformat(line["until"]) > timezone.localdate()
    membership = _m(org.world.alice, org)
    fresh = Person.objects.get(pk=person.pk)
    person_view(membership, fresh, soms_version, charts=False)
    # Its rows with the stored line and what it was computed from, then the plan: nothing of the
    # judgements is read, nothing is written.
    with django_assert_num_queries(2):
        again = person_view(membership, fresh, soms_version, charts=False)
    assert _self_column(again)[DC] == "foundation"
    # Someone who judged nothing themselves has a stored line too: no self line on their radar.
    nobody = org.people["E003"]
    assert _agrees(org, nobody, soms_version)["judged"] is False


def test_each_change_of_what_the_line_is_computed_from_is_seen_by_the_next_reader(
    org: Any, soms_version: Any
) -> None:
    charlie, dana, person = org.world.charlie, org.world.dana, org.people["E007"]
    foundation, practitioner = (
        statements(soms_version, DC, "foundation"),
        statements(soms_version, DC, "practitioner"),
    )
    seen: list[str] = []

    def step() -> dict[str, Any]:
        line = _agrees(org, person, soms_version)
        seen.append(line["inputs"])
        # Every step changed what the line is computed from, so each stored it afresh.
        assert len(set(seen)) == len(seen)
        return line

    a = assessment_start(
        membership=_m(charlie, org), actor=charlie, person=person, version=soms_version, kind="self"
    )
    assert step()["judged"] is False  # started, nothing judged yet
    _judge(a, org, charlie, {s: "met" for s in foundation})
    assert step()["levels"][DC] == "foundation"
    _judge(a, org, charlie, {s: "met" for s in practitioner})
    assert step()["levels"][DC] == "practitioner"
    # Changing one's mind about one statement: the level it needed goes.
    _judge(a, org, charlie, {practitioner[0]: "not_yet"})
    assert step()["levels"][DC] == "foundation"
    assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie)
    step()
    a = assessment_validate(assessment=a, membership=_m(dana, org), actor=dana)
    step()
    # A correction is a new draft copying the validated judgements.
    correction = assessment_correct(assessment=a, membership=_m(charlie, org), actor=charlie)
    step()
    _judge(correction, org, charlie, {practitioner[0]: "met"})
    assert step()["levels"][DC] == "practitioner"
    # A validated change project the person is a named member of.
    project(
        org.people["E005"],
        soms_version,
        [DC, DELIVERY],
        completed_on=timezone.localdate() - timedelta(days=3),
        validated_on=timezone.localdate() - timedelta(days=2),
        members=[person],
    )
    step()
    # The organisation's own validity of a level.
    foundation_level = Level.objects.get(version=soms_version, code="foundation")
    ValidityOverride.objects.create(organisation=org.world.org_a, level=foundation_level, validity_months=12)
    step()
    ValidityOverride.objects.filter(level=foundation_level).update(validity_months=24)
    step()


def test_time_alone_ends_a_stored_line_on_its_day(
    org: Any, soms_version: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = org.people["E007"]
    today = timezone.localdate()
    # The organisation's Foundation lasts 36 months (the framework's never runs out), and a
    # self-assessment validated long ago has ten days of it left.
    ValidityOverride.objects.create(
        organisation=org.world.org_a,
        level=Level.objects.get(version=soms_version, code="foundation"),
        validity_months=36,
    )
    on = date(today.year - 3, today.month, min(today.day, 28)) + timedelta(days=10)
    validated(person, soms_version, statements(soms_version, DC, "foundation"), on=on, kind="self")
    line = _agrees(org, person, soms_version)
    assert line["levels"][DC] == "foundation"
    until = date.fromisoformat(line["until"])
    assert today < until <= on + timedelta(days=3 * 366)
    # The day before, the stored line still holds; on its day the next reader computes it again.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: until - timedelta(days=1))
    assert (
        _self_column(_view(org, person, soms_version))
        == _live(person, soms_version, until - timedelta(days=1))[0]
    )
    assert _stored(person, soms_version) == line
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: until)
    later = _agrees(org, person, soms_version, until)
    assert later != line
    assert later["levels"] == _live(person, soms_version, until)[0]


def test_a_reader_that_raced_a_writer_stores_what_no_later_reader_takes(org: Any, soms_version: Any) -> None:
    charlie, person = org.world.charlie, org.people["E007"]
    a = assessment_start(
        membership=_m(charlie, org), actor=charlie, person=person, version=soms_version, kind="self"
    )
    _judge(a, org, charlie, {s: "met" for s in statements(soms_version, DC, "foundation")})
    _agrees(org, person, soms_version)
    levels = {lv.pk: lv for lv in soms_version.levels.all()}
    # The reader reads its rows; a judgement lands; the reader then computes (from what it reads
    # now) and stores under what it read first.
    _, _, overrides, rows = _person_rows(person.pk, person.organisation_id, soms_version.pk, levels)
    _judge(a, org, charlie, {s: "met" for s in statements(soms_version, DC, "practitioner")})
    _own_line(person, soms_version, timezone.localdate(), overrides, rows)
    raced = _stored(person, soms_version)
    assert raced is not None
    # The next reader's fingerprint is not the one stored: it computes, and stores it right.
    line = _agrees(org, person, soms_version)
    assert line["inputs"] != raced["inputs"] and line["levels"][DC] == "practitioner"


def test_a_draft_version_is_computed_every_time_never_stored(org: Any, soms_version: Any) -> None:
    person = org.people["E007"]
    validated(
        person, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 5), kind="self"
    )
    draft = type(soms_version).objects.get(pk=soms_version.pk)
    draft.status = "draft"  # (as read: a draft's statements and rules may change under a stored line)
    view = person_view(_m(org.world.alice, org), Person.objects.get(pk=person.pk), draft, charts=False)
    assert _self_column(view)[DC] == "foundation"
    assert not SelfLine.objects.exists()


def test_a_line_that_cannot_be_stored_is_still_shown(
    org: Any, soms_version: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = org.people["E007"]
    validated(
        person, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 5), kind="self"
    )

    def busy(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("database is locked")

    monkeypatch.setattr(attainment, "upsert_rows", busy)
    view = _view(org, person, soms_version)
    assert _self_column(view)[DC] == "foundation"
    assert not SelfLine.objects.exists()
    # The failed write left the connection usable (on PostgreSQL, inside the test's transaction).
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_merging_two_people_with_stored_lines_keeps_one_that_counts_both(org: Any, soms_version: Any) -> None:
    keep, duplicate = org.people["E007"], org.people["E008"]
    validated(
        keep, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 5), kind="self"
    )
    validated(
        duplicate,
        soms_version,
        statements(soms_version, DELIVERY, "foundation"),
        on=date(2026, 1, 6),
        kind="self",
    )
    assert _agrees(org, keep, soms_version)["levels"][DELIVERY] is None
    _agrees(org, duplicate, soms_version)
    person_merge(keep=keep, duplicate=duplicate, actor=org.world.alice)
    line = _agrees(org, keep, soms_version)
    assert (line["levels"][DC], line["levels"][DELIVERY]) == ("foundation", "foundation")
    assert SelfLine.objects.filter(person_id=duplicate.pk).count() == 0


def test_the_pages_self_line_is_the_one_its_radar_draws(org: Any, soms_version: Any) -> None:
    person = org.people["E007"]
    validated(
        person, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 5), kind="self"
    )
    membership = _m(org.world.alice, org)
    first = person_view(membership, Person.objects.get(pk=person.pk), soms_version)
    again = person_view(membership, Person.objects.get(pk=person.pk), soms_version)
    assert "Self-assessed" in again["radar"] and again["radar"] == first["radar"]


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        [],
        {"inputs": "?"},
        {"until": "someday"},
        {"until": None, "levels": "x", "judged": True},
        {"until": None, "levels": {}, "judged": "yes"},
    ],
)
def test_a_stored_line_it_cannot_read_is_computed_again(org: Any, soms_version: Any, bad: Any) -> None:
    person = org.people["E007"]
    validated(
        person, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 5), kind="self"
    )
    inputs = _agrees(org, person, soms_version)["inputs"]
    if isinstance(bad, dict):
        bad = {"inputs": inputs, **bad}
    SelfLine.objects.filter(person=person).update(line=bad)
    assert _agrees(org, person, soms_version)["levels"][DC] == "foundation"


def test_a_refused_action_forms_page_drawn_again_stores_no_self_line(org: Any, soms_version: Any) -> None:
    from django.test import Client

    person = org.people["E007"]
    validated(
        person, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 5), kind="self"
    )
    recompute([person.pk], soms_version, person.organisation_id)
    client = Client()
    client.force_login(org.world.alice)
    answer = client.post(
        f"/insights/people/{person.pk}/actions/", {"version": soms_version.pk, "title": "", "kind": "course"}
    )
    assert answer.status_code == 422
    assert "Self-assessed" in answer.content.decode()
    assert not SelfLine.objects.exists()
    # The page itself (a GET) keeps it.
    assert client.get(f"/insights/people/{person.pk}/?version={soms_version.pk}").status_code == 200
    assert SelfLine.objects.filter(person=person).exists()
