"""The audit services: what they write, and the bad input they refuse with nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from soms.audit.errors import AuditConflict, LinkExpired
from soms.audit.models import Action, AuditStatus, Consensus, Finding, Rating, Respondent, TemplateStatus
from soms.audit.selectors import comparison_of, results_of, spread_view
from soms.audit.services import audits as svc
from soms.audit.services import templates as tsvc
from soms.core.problems import Invalid
from tests.audit.helpers import answer_all, builtin_template, make_audit, questions

pytestmark = pytest.mark.django_db


def test_the_builtin_template_covers_all_seven_elements_with_several_questions(world: Any) -> None:
    template = builtin_template()
    assert template.status == TemplateStatus.PUBLISHED and template.is_builtin
    qs = list(template.questions.select_related("element"))
    per: dict[str, int] = {}
    for q in qs:
        per[q.element.code] = per.get(q.element.code, 0) + 1
    assert len(per) == 7 and min(per.values()) >= 3
    assert {q.kind for q in qs} == {"maturity", "yes_partly_no", "number"}
    maturity = next(q for q in qs if q.kind == "maturity")
    assert [a["value"] for a in maturity.anchors] == [1, 2, 3, 4, 5]
    assert all(a["description"] for a in maturity.anchors)
    assert tsvc.builtin_audit_templates_load() == []  # idempotent


def _three(world: Any) -> tuple[Any, list[Respondent]]:
    audit = make_audit(world.org_a, world.alice)
    rs = [
        svc.respondent_add(audit=audit, user=u, actor=world.alice)
        for u in (world.alice, world.charlie, world.dana)
    ]
    return audit, rs


def test_a_whole_audit_ratings_consensus_close(world: Any) -> None:
    audit, (a, c, d) = _three(world)
    answer_all(a, audit, 3)
    answer_all(c, audit, 3, {"CX1": 1})
    answer_all(d, audit, 3, {"CX1": 5})
    rows = spread_view(audit)
    assert rows[0].question.code == "CX1" and rows[0].spread.wide  # most disagreed first
    assert svc.consensus_accept_agreed(audit=audit, actor=world.alice) == len(rows) - 1
    cx1 = rows[0].question
    with pytest.raises(Invalid) as exc:
        svc.consensus_set(audit=audit, question=cx1, value=3, actor=world.alice)
    assert exc.value.problems[0].loc == ("reason",)
    assert not Consensus.objects.filter(audit=audit, question=cx1).exists()
    svc.consensus_set(
        audit=audit, question=cx1, value=2, reason="Written down for claims only", actor=world.alice
    )
    svc.audit_close(audit=audit, actor=world.alice)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.CLOSED
    res = results_of(audit)
    assert res.score.element("customer-experience").score is not None
    assert "Weighted mean" in res.rule_text and "Percent to target" in res.rule_text
    # The independent ratings stay as they were.
    assert Rating.objects.get(respondent=c, question=cx1).value == 1


def test_each_respondent_sees_only_their_own_until_they_submit(world: Any) -> None:
    from soms.audit.selectors import my_answers

    audit, (a, c, _) = _three(world)
    answer_all(a, audit, 4)
    svc.consensus_accept_agreed(audit=audit, actor=world.alice)
    answer_all(c, audit, 2, submit=False)
    assert all(row.consensus_shown == "" for row in my_answers(audit, c))
    c = svc.ratings_submit(respondent=c)
    assert any(row.consensus_shown for row in my_answers(audit, c))
    # The lead's spread shows submitted answers only.
    assert {name for row in spread_view(audit)[:1] for name, _ in row.answers} == {a.name, c.name}


@pytest.mark.parametrize(
    ("value", "code"),
    [(6, "CX1"), (0, "CX1"), (2.5, "CX1"), ("maybe", "CX3"), (150, "DL3"), (-1, "DL3"), (True, "CX1")],
)
def test_ratings_outside_the_answer_set_are_refused_and_nothing_is_written(
    world: Any, value: Any, code: str
) -> None:
    audit, (a, *_) = _three(world)
    by_code = {q.code: q for q in questions(audit)}
    good = svc.AnswerIn(by_code["CX2"].pk, 3)
    with pytest.raises(Invalid) as exc:
        svc.ratings_save(respondent=a, answers=[good, svc.AnswerIn(by_code[code].pk, value)])
    assert exc.value.problems[0].loc[:2] == ("answers", code)
    assert not Rating.objects.filter(respondent=a).exists()


def test_not_applicable_needs_a_reason_and_an_allowing_question(world: Any) -> None:
    audit, (a, *_) = _three(world)
    by_code = {q.code: q for q in questions(audit)}
    with pytest.raises(Invalid) as exc:
        svc.ratings_save(respondent=a, answers=[svc.AnswerIn(by_code["CX1"].pk, None, True, "")])
    assert exc.value.problems[0].loc == ("answers", "CX1", "reason")
    with pytest.raises(Invalid):
        svc.ratings_save(respondent=a, answers=[svc.AnswerIn(by_code["SG3"].pk, None, True, "no owner")])
    svc.ratings_save(
        respondent=a, answers=[svc.AnswerIn(by_code["CX1"].pk, None, True, "No external customers")]
    )
    assert Rating.objects.get(respondent=a).not_applicable


def test_no_answers_after_submit_or_after_close_and_no_second_submit(world: Any) -> None:
    audit, (a, c, d) = _three(world)
    answer_all(a, audit)
    q = questions(audit)[0]
    with pytest.raises(AuditConflict):
        svc.ratings_save(respondent=a, answers=[svc.AnswerIn(q.pk, 1)])
    with pytest.raises(AuditConflict):
        svc.ratings_submit(respondent=a)
    assert Rating.objects.get(respondent=a, question=q).value == 3
    with pytest.raises(Invalid):  # not everything answered
        svc.ratings_submit(respondent=c)
    svc.consensus_accept_agreed(audit=audit, actor=world.alice)
    svc.audit_close(audit=audit, actor=world.alice)
    with pytest.raises(AuditConflict):
        svc.ratings_save(respondent=c, answers=[svc.AnswerIn(q.pk, 2)])
    assert not Rating.objects.filter(respondent=c).exists()


def test_a_respondent_is_added_once(world: Any) -> None:
    audit, _ = _three(world)
    with pytest.raises(AuditConflict):
        svc.respondent_add(audit=audit, user=world.charlie, actor=world.alice)
    with pytest.raises(Invalid):
        svc.respondent_add(audit=audit, user=world.bob, actor=world.alice)  # not a member of A
    assert Respondent.objects.filter(audit=audit).count() == 3


def test_close_needs_a_consensus_for_every_question(world: Any) -> None:
    audit, (a, *_) = _three(world)
    with pytest.raises(Invalid) as exc:
        svc.audit_close(audit=audit, actor=world.alice)
    assert len(exc.value.problems) == len(questions(audit))
    audit.refresh_from_db()
    assert audit.status == AuditStatus.OPEN


def test_invited_links_store_only_a_hash_and_expire(world: Any) -> None:
    audit = make_audit(world.org_a, world.alice)
    now = timezone.now()
    inv = svc.respondent_invite(
        audit=audit, name="Pat Visitor", email="pat@example.org", days=7, actor=world.alice, now=now
    )
    row = Respondent.objects.get(pk=inv.respondent.pk)
    assert inv.token not in (row.token_hash or "") and row.token_hash == svc.token_hash(inv.token)
    assert svc.respondent_by_token(inv.token, now=now).pk == row.pk
    with pytest.raises(LinkExpired):
        svc.respondent_by_token(inv.token, now=now + dt.timedelta(days=8))
    with pytest.raises(Respondent.DoesNotExist):
        svc.respondent_by_token("sa_nobody-has-this")
    with pytest.raises(Invalid):
        svc.respondent_invite(audit=audit, name="X", days=400, actor=world.alice)


def test_weights_that_sum_to_zero_are_refused_at_publish(world: Any) -> None:
    base = builtin_template()
    draft = tsvc.audit_template_new_version(template=base, organisation=world.org_a, actor=world.alice)
    assert (
        draft.label == "1"
        and draft.organisation_id == world.org_a.pk
        and draft.questions.count() == base.questions.count()
    )
    for q in draft.questions.filter(element__code="performance"):
        tsvc.audit_question_update(question=q, data={"weight": 0}, revision=None, actor=world.alice)
    with pytest.raises(Invalid) as exc:
        tsvc.audit_template_publish(template=draft, revision=None, actor=world.alice)
    assert exc.value.problems[0].loc == ("weights.performance",)
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.DRAFT


def test_a_question_with_a_bad_answer_set_is_refused_by_field(world: Any) -> None:
    draft = tsvc.audit_template_new_version(
        template=builtin_template(), organisation=world.org_a, actor=world.alice
    )
    count = draft.questions.count()
    bad = [
        (
            {
                "code": "N1",
                "element": "delivery",
                "text": "Share",
                "kind": "number",
                "minimum": 10,
                "maximum": 5,
            },
            "maximum",
        ),
        (
            {
                "code": "M1",
                "element": "delivery",
                "text": "Scale",
                "kind": "maturity",
                "anchors": [{"label": "only"}],
            },
            "anchors",
        ),
        ({"code": "CX1", "element": "delivery", "text": "Dup", "kind": "yes_partly_no"}, "code"),
        ({"code": "W1", "element": "delivery", "text": "W", "kind": "yes_partly_no", "weight": -1}, "weight"),
        ({"code": "E1", "element": "nowhere", "text": "W", "kind": "yes_partly_no"}, "element"),
    ]
    for data, field in bad:
        with pytest.raises(Invalid) as exc:
            tsvc.audit_question_add(template=draft, data=data, revision=None, actor=world.alice)
        assert exc.value.problems[0].loc[0] == field, (data, exc.value.problems)
    assert draft.questions.count() == count


def test_a_published_template_never_changes_and_stale_edits_conflict(world: Any) -> None:
    base = builtin_template()
    with pytest.raises(AuditConflict):
        tsvc.audit_question_update(
            question=base.questions.first(), data={"text": "x"}, revision=None, actor=world.alice
        )
    draft = tsvc.audit_template_new_version(template=base, organisation=world.org_a, actor=world.alice)
    with pytest.raises(AuditConflict):
        tsvc.audit_template_update(
            template=draft,
            name="X",
            description="",
            rule="minimum",
            revision=draft.revision + 5,
            actor=world.alice,
        )
    draft = tsvc.audit_template_publish(template=draft, revision=draft.revision, actor=world.alice)
    second = tsvc.audit_template_new_version(template=draft, organisation=world.org_a, actor=world.alice)
    assert second.label == "2" and second.based_on_id == draft.pk


def test_reaudit_carries_findings_actions_and_shows_change(world: Any) -> None:
    audit, (a, c, d) = _three(world)
    for r in (a, c, d):
        answer_all(r, audit, 2)
    svc.consensus_accept_agreed(audit=audit, actor=world.alice)
    f = svc.finding_add(audit=audit, element="delivery", text="No value stream map", actor=world.alice)
    closed = svc.finding_add(audit=audit, element="performance", text="Old", actor=world.alice)
    svc.finding_update(finding=closed, status="closed", actor=world.alice)
    svc.action_add(
        audit=audit,
        element="delivery",
        title="Map the claims flow",
        finding=f,
        due_date=dt.date(2026, 1, 1),
        actor=world.alice,
    )
    done = svc.action_add(audit=audit, element="delivery", title="Done already", actor=world.alice)
    svc.action_update(action=done, status="done", actor=world.alice)
    svc.audit_targets_set(audit=audit, targets={"delivery": 0.75}, revision=None, actor=world.alice)
    svc.audit_close(audit=audit, actor=world.alice)
    with pytest.raises(Invalid):
        svc.reaudit_start(baseline=audit, date=dt.date(2025, 1, 1), actor=world.alice)
    re = svc.reaudit_start(baseline=audit, date=dt.date(2026, 9, 1), actor=world.alice)
    assert re.baseline_id == audit.pk and re.targets == {"delivery": 0.75}
    assert Respondent.objects.filter(audit=re, submitted_at__isnull=True).count() == 3
    assert (
        not Rating.objects.filter(respondent__audit=re).exists()
        and not Consensus.objects.filter(audit=re).exists()
    )
    carried = Finding.objects.get(audit=re)
    assert carried.carried_from_id == f.pk
    action = Action.objects.get(audit=re)
    assert action.title == "Map the claims flow" and action.finding_id == carried.pk
    assert action.overdue(dt.date(2026, 9, 1))
    rs = list(Respondent.objects.filter(audit=re))
    for r in rs:
        answer_all(r, re, 4)
    svc.consensus_accept_agreed(audit=re, actor=world.alice)
    cmp = comparison_of(re)
    assert all(
        line.current is not None and line.baseline is not None and line.current > line.baseline
        for line in cmp.elements
    )
    assert {ch.direction for _, ch, *_ in cmp.changes} == {"better"}


def test_evidence_and_findings_validate_their_element_and_dates(world: Any) -> None:
    audit = make_audit(world.org_a, world.alice)
    with pytest.raises(Invalid):
        svc.evidence_add(
            audit=audit, element="nowhere", text="x", refers_to=dt.date(2026, 1, 1), actor=world.alice
        )
    with pytest.raises(Invalid):
        svc.evidence_add(
            audit=audit,
            element="delivery",
            text="x",
            refers_to=dt.date(2026, 1, 1),
            expires_on=dt.date(2025, 1, 1),
            actor=world.alice,
        )
    cx1 = next(q for q in questions(audit) if q.code == "CX1")
    with pytest.raises(Invalid):  # a question of another element
        svc.finding_add(audit=audit, element="delivery", text="x", question=cx1.pk, actor=world.alice)
    e = svc.evidence_add(
        audit=audit,
        element="delivery",
        text="Map",
        refers_to=dt.date(2026, 1, 1),
        expires_on=dt.date(2026, 6, 1),
        actor=world.alice,
    )
    assert e.expired(dt.date(2026, 7, 1)) and not e.expired(dt.date(2026, 5, 1))
