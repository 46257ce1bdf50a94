"""The assessment workflow through its services: who may start, judge, submit, return, resubmit,
validate and correct; what each bad input answers; and that nothing is written when it is refused.

People (tests/people/conftest.py): charlie (member) is E007, reporting to Nina North (E005, no
login); priya (manager) is E002 and manages the North unit (E005, E007, E008) and South through
her reports; dana is an assessor; alice owns the organisation.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from soms.assessments.models import (
    Assessment,
    AssessmentEvent,
    ElementAttainment,
    Judgement,
    Status,
)
from soms.assessments.services.assessments import (
    AssessmentConflict,
    JudgementIn,
    StaleAssessment,
    assessment_correct,
    assessment_resubmit,
    assessment_return,
    assessment_start,
    assessment_submit,
    assessment_validate,
    judgements_save,
    kinds_for,
)
from soms.core.problems import Invalid
from soms.frameworks.models import FrameworkVersion, Statement
from soms.notifications.models import Notification
from soms.tenancy.models import AuditLogEntry, Membership
from tests.assessments.conftest import statements

pytestmark = pytest.mark.django_db

DC = "demand-capacity"


def _m(user: Any, org: Any) -> Membership:
    return Membership.objects.select_related("organisation").get(user=user, organisation=org.world.org_a)


def _self(org: Any, version: Any) -> Assessment:
    charlie = org.world.charlie
    return assessment_start(
        membership=_m(charlie, org), actor=charlie, person=org.people["E007"], version=version, kind="self"
    )


def _judge(a: Assessment, org: Any, user: Any, values: dict[Statement, str], **kw: Any) -> Assessment:
    return judgements_save(
        assessment=a,
        membership=_m(user, org),
        actor=user,
        judgements=[JudgementIn(s.pk, v, kw.get("comment", "")) for s, v in values.items()],
        revision=kw.get("revision", a.revision),
    )


def _foundation(version: Any) -> list[Statement]:
    return statements(version, DC, "foundation")


def test_self_assessment_walks_draft_submitted_returned_resubmitted_validated(
    org: Any, soms_version: Any, django_capture_on_commit_callbacks: Any
) -> None:
    charlie, dana = org.world.charlie, org.world.dana
    a = _self(org, soms_version)
    assert (a.status, a.assessor_id, a.kind) == ("draft", charlie.pk, "self")
    a = _judge(a, org, charlie, {s: "met" for s in _foundation(soms_version)}, comment="I run the rota")
    assert Judgement.objects.filter(assessment=a).count() == len(_foundation(soms_version))
    a = assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie, revision=a.revision)
    assert a.status == "submitted" and a.submitted_at is not None

    with pytest.raises(Invalid) as err:
        assessment_return(assessment=a, membership=_m(dana, org), actor=dana, reason="  ")
    assert err.value.problems[0].loc == ("reason",)
    a = assessment_return(assessment=a, membership=_m(dana, org), actor=dana, reason="Add a real case")
    assert (a.status, a.return_reason) == ("returned", "Add a real case")
    # Returned: its assessor may edit it again, then resubmit.
    a = _judge(a, org, charlie, {_foundation(soms_version)[0]: "met"}, comment="The March peak")
    a = assessment_resubmit(assessment=a, membership=_m(charlie, org), actor=charlie)
    assert a.status == "submitted"

    with django_capture_on_commit_callbacks(execute=True):
        a = assessment_validate(assessment=a, membership=_m(dana, org), actor=dana)
    assert a.status == "validated" and a.validated_by_id == dana.pk
    assert a.validated_on is not None and a.validated_at is not None
    # The attainment was recomputed once the validation committed: the self-assessment now counts.
    row = ElementAttainment.objects.get(person=org.people["E007"], version=soms_version, element__code=DC)
    assert row.status == "held" and row.level is not None and row.level.code == "foundation"
    assert list(AssessmentEvent.objects.filter(assessment=a).values_list("action", flat=True)) == [
        "create",
        "submit",
        "return",
        "resubmit",
        "validate",
    ]
    assert AssessmentEvent.objects.get(assessment=a, action="return").reason == "Add a real case"
    actions = set(
        AuditLogEntry.objects.filter(object_type="Assessment", object_id=str(a.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == {
        "assessment.create",
        "assessment.judge",
        "assessment.submit",
        "assessment.return",
        "assessment.resubmit",
        "assessment.validate",
    }


def test_who_may_start_what(org: Any, soms_version: Any) -> None:
    charlie, dana, priya = org.world.charlie, org.world.dana, org.priya
    assert kinds_for(_m(charlie, org)) == ["self"]
    assert kinds_for(_m(priya, org)) == ["self", "manager"]
    assert kinds_for(_m(dana, org)) == ["coach"]  # dana has no person record here
    with pytest.raises(PermissionDenied):  # a self-assessment of somebody else
        assessment_start(
            membership=_m(charlie, org), actor=charlie, person=org.people["E008"], version=soms_version,
            kind="self",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):  # a member writes no coach assessments
        assessment_start(
            membership=_m(charlie, org), actor=charlie, person=org.people["E008"], version=soms_version,
            kind="coach",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):  # a manager writes manager assessments, not coach ones
        assessment_start(
            membership=_m(priya, org), actor=priya, person=org.people["E003"], version=soms_version,
            kind="coach",
        )  # fmt: skip
    with pytest.raises(Invalid) as err:  # Fred Finance is outside priya's part of the tree
        assessment_start(
            membership=_m(priya, org), actor=priya, person=org.people["E006"], version=soms_version,
            kind="manager",
        )  # fmt: skip
    assert err.value.problems[0].loc == ("person_id",)
    made = assessment_start(
        membership=_m(priya, org),
        actor=priya,
        person=org.people["E003"],
        version=soms_version,
        kind="manager",
    )
    assert made.assessor_id == priya.pk and made.assessor_person_id == org.people["E002"].pk
    # The same open assessment twice is a conflict that names the first.
    with pytest.raises(AssessmentConflict, match=f"#{made.pk}"):
        assessment_start(
            membership=_m(priya, org), actor=priya, person=org.people["E003"], version=soms_version,
            kind="manager",
        )  # fmt: skip
    coach = assessment_start(
        membership=_m(dana, org), actor=dana, person=org.people["E006"], version=soms_version, kind="coach"
    )
    assert coach.assessor_person_id is None
    assert Assessment.objects.count() == 2


def test_a_draft_version_cannot_be_assessed(org: Any, soms_version: Any) -> None:
    from soms.frameworks.services.authoring import framework_create

    draft = framework_create(
        organisation=org.world.org_a, actor=org.world.alice, code="own", name="Own", description="",
        kind="skills", label="1", base=soms_version,
    )  # fmt: skip
    with pytest.raises(Invalid) as err:
        _self(org, draft)
    assert err.value.problems[0].loc == ("version_id",)
    assert not Assessment.objects.exists()


def test_statements_of_another_version_and_bad_values_are_refused_with_nothing_written(
    org: Any, soms_version: Any
) -> None:
    charlie = org.world.charlie
    a = _self(org, soms_version)
    other = Statement.objects.exclude(version=soms_version).first()
    assert other is not None
    ok = _foundation(soms_version)[0]
    with pytest.raises(Invalid) as err:
        _judge(a, org, charlie, {ok: "met", other: "met"})
    assert err.value.problems[0].loc == ("judgements", 1, "statement_id")
    assert "not part of this assessment's framework version" in err.value.problems[0].msg
    with pytest.raises(Invalid) as err:
        _judge(a, org, charlie, {ok: "excellent"})
    assert err.value.problems[0].loc == ("judgements", 0, "value")
    with pytest.raises(Invalid):
        _judge(a, org, charlie, {ok: "met"}, comment="x" * 10_001)
    with pytest.raises(Invalid):
        judgements_save(assessment=a, membership=_m(charlie, org), actor=charlie, judgements=[], revision=1)
    assert not Judgement.objects.exists()
    a.refresh_from_db()
    assert a.revision == 1


def test_only_its_assessor_judges_and_only_while_draft_or_returned(org: Any, soms_version: Any) -> None:
    charlie, dana, alice = org.world.charlie, org.world.dana, org.world.alice
    a = _self(org, soms_version)
    ok = _foundation(soms_version)[0]
    for user in (dana, alice):  # not its assessor, whatever the role
        with pytest.raises(PermissionDenied):
            _judge(a, org, user, {ok: "met"})
    a = _judge(a, org, charlie, {ok: "met"})
    a = assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie)
    with pytest.raises(AssessmentConflict, match="submitted"):
        _judge(a, org, charlie, {ok: "partly"})
    with pytest.raises(AssessmentConflict, match="already submitted"):
        assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie)
    with pytest.raises(AssessmentConflict, match="Only a returned"):
        assessment_resubmit(assessment=a, membership=_m(charlie, org), actor=charlie)
    assert Judgement.objects.get().value == "met"


def test_submit_needs_a_judgement(org: Any, soms_version: Any) -> None:
    charlie = org.world.charlie
    a = _self(org, soms_version)
    with pytest.raises(Invalid) as err:
        assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie)
    assert err.value.problems[0].loc == ("judgements",)
    a.refresh_from_db()
    assert a.status == "draft"


def test_a_stale_save_is_a_conflict_that_keeps_what_was_typed(org: Any, soms_version: Any) -> None:
    charlie = org.world.charlie
    a = _self(org, soms_version)
    s1, s2 = _foundation(soms_version)[:2]
    read_at = a.revision
    _judge(a, org, charlie, {s1: "partly"}, comment="first tab", revision=read_at)
    with pytest.raises(StaleAssessment) as err:
        _judge(a, org, charlie, {s1: "met", s2: "met"}, comment="second tab", revision=read_at)
    conflict = err.value
    assert conflict.changed_by == "charlie" and conflict.revision == read_at + 1
    assert "changed by charlie" in str(conflict)
    assert conflict.current == {s1.pk: {"value": "partly", "comment": "first tab"}}
    assert [(j.statement_id, j.value, j.comment) for j in conflict.yours] == [
        (s1.pk, "met", "second tab"),
        (s2.pk, "met", "second tab"),
    ]
    assert list(Judgement.objects.values_list("statement_id", "value")) == [(s1.pk, "partly")]


def test_nobody_reviews_their_own_assessment_or_one_of_themself(org: Any, soms_version: Any) -> None:
    dana, priya, charlie = org.world.dana, org.priya, org.world.charlie
    # dana (coach) assesses priya; priya may not review it, nor may dana, its writer.
    a = assessment_start(
        membership=_m(dana, org), actor=dana, person=org.people["E002"], version=soms_version, kind="coach"
    )
    a = _judge(a, org, dana, {_foundation(soms_version)[0]: "met"})
    a = assessment_submit(assessment=a, membership=_m(dana, org), actor=dana)
    with pytest.raises(PermissionDenied, match="themself"):
        assessment_validate(assessment=a, membership=_m(priya, org), actor=priya)
    with pytest.raises(PermissionDenied, match="You wrote"):
        assessment_validate(assessment=a, membership=_m(dana, org), actor=dana)
    with pytest.raises(PermissionDenied):  # a member never reviews
        assessment_validate(assessment=a, membership=_m(charlie, org), actor=charlie)
    with pytest.raises(PermissionDenied):
        assessment_return(assessment=a, membership=_m(charlie, org), actor=charlie, reason="no")
    a.refresh_from_db()
    assert a.status == "submitted" and a.validated_by_id is None


def test_only_the_roles_the_rules_name_validate(org: Any, soms_version: Any) -> None:
    charlie, priya, dana = org.world.charlie, org.priya, org.world.dana
    FrameworkVersion.objects.filter(pk=soms_version.pk).update(
        rules={**(soms_version.rules or {}), "validator_roles": ["assessor"]}
    )
    soms_version.refresh_from_db()
    a = _self(org, soms_version)
    a = _judge(a, org, charlie, {_foundation(soms_version)[0]: "met"})
    a = assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie)
    with pytest.raises(PermissionDenied, match="rules"):
        assessment_validate(assessment=a, membership=_m(priya, org), actor=priya)
    a = assessment_validate(assessment=a, membership=_m(dana, org), actor=dana)
    assert a.status == "validated"


def test_a_validated_assessment_never_changes_and_is_corrected_by_a_new_one(
    org: Any, soms_version: Any
) -> None:
    charlie, dana, priya = org.world.charlie, org.world.dana, org.priya
    a = _self(org, soms_version)
    a = _judge(a, org, charlie, {s: "met" for s in _foundation(soms_version)}, comment="shown")
    a = assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie)
    with pytest.raises(AssessmentConflict, match="Only a validated"):
        assessment_correct(assessment=a, membership=_m(charlie, org), actor=charlie)
    a = assessment_validate(assessment=a, membership=_m(dana, org), actor=dana)
    with pytest.raises(AssessmentConflict, match="correction"):
        _judge(a, org, charlie, {_foundation(soms_version)[0]: "not_yet"})
    with pytest.raises(AssessmentConflict):
        assessment_return(assessment=a, membership=_m(priya, org), actor=priya, reason="late")
    with pytest.raises(PermissionDenied):  # a self-assessment is corrected by its person only
        assessment_correct(assessment=a, membership=_m(priya, org), actor=priya)
    fix = assessment_correct(assessment=a, membership=_m(charlie, org), actor=charlie)
    assert (fix.status, fix.supersedes_id, fix.kind) == ("draft", a.pk, "self")
    assert sorted(Judgement.objects.filter(assessment=fix).values_list("statement_id", "value", "comment")) == sorted(
        Judgement.objects.filter(assessment=a).values_list("statement_id", "value", "comment")
    )  # fmt: skip
    with pytest.raises(AssessmentConflict, match=f"#{fix.pk}"):
        assessment_correct(assessment=a, membership=_m(charlie, org), actor=charlie)
    a.refresh_from_db()
    assert a.status == "validated"
    assert AssessmentEvent.objects.filter(assessment=a, action="supersede").exists()


def test_notifications_go_to_reviewers_then_to_the_writer_and_the_person(org: Any, soms_version: Any) -> None:
    from soms.jobs.testing import jobs_run
    from soms.people.models import Person

    charlie, dana, priya = org.world.charlie, org.world.dana, org.priya
    charlie.email = "charlie@example.org"
    charlie.save()
    dana.email = "dana@example.org"
    dana.save()
    # charlie's manager is Nina North; give her priya's login so that the manager is told too.
    Person.objects.filter(pk=org.people["E002"].pk).update(user=None)
    Person.objects.filter(pk=org.people["E005"].pk).update(user=priya)
    a = _self(org, soms_version)
    a = _judge(a, org, charlie, {_foundation(soms_version)[0]: "met"})
    with jobs_run():
        a = assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie)
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"dana", "priya"}
    assert all(n.url == f"/assessments/{a.pk}/review/" for n in Notification.objects.all())
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.org", "priya@example.org"]
    assert "Waiting for review" in mail.outbox[0].subject
    Notification.objects.all().delete()
    with jobs_run():
        assessment_return(assessment=a, membership=_m(dana, org), actor=dana, reason="Say which month")
    n = Notification.objects.get()
    assert n.user_id == charlie.pk and "Say which month" in n.text
    assert mail.outbox[-1].to == ["charlie@example.org"]


def test_a_refused_step_notifies_nobody(org: Any, soms_version: Any) -> None:
    charlie = org.world.charlie
    a = _self(org, soms_version)
    with pytest.raises(Invalid):
        assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie)
    assert not Notification.objects.exists()
    assert a.status == Status.DRAFT


def test_the_nightly_job_tells_the_person_when_a_level_becomes_refresh_due_then_expires(
    org: Any, soms_version: Any
) -> None:
    from datetime import date, datetime, time

    from django.utils import timezone

    from soms.assessments.models import ValidityOverride
    from soms.assessments.periodic import attainment_refresh
    from soms.assessments.services.attainment import recompute
    from soms.frameworks.models import Level
    from tests.assessments.conftest import validated

    charlie = org.people["E007"]
    validated(charlie, soms_version, _foundation(soms_version), on=date(2024, 1, 10))
    level = Level.objects.get(version=soms_version, code="foundation")
    ValidityOverride.objects.create(organisation_id=charlie.organisation_id, level=level, validity_months=24)
    recompute([charlie.pk], soms_version, charlie.organisation_id, date(2025, 6, 1))

    def night(day: date) -> str:
        return attainment_refresh(now=timezone.make_aware(datetime.combine(day, time(3))))

    assert night(date(2025, 9, 1)).endswith("0 notified")  # nothing has come due
    assert night(date(2025, 10, 10)).endswith("1 notified")
    n = Notification.objects.get()
    assert n.user_id == org.world.charlie.pk and n.text.startswith("Refresh due: your Foundation")
    assert night(date(2026, 1, 10)).endswith("1 notified")
    assert Notification.objects.order_by("-id").first().text.startswith("Expired")  # type: ignore[union-attr]


def test_the_manager_of_the_unit_is_told_of_a_submit_waiting_in_her_queue(
    org: Any, soms_version: Any
) -> None:
    """Priya is not Charlie's line manager (Nina is, without a login) but manages his unit, so the
    assessment is in her review queue: she is told, and the text names the kind once."""
    from soms.assessments.access import review_queue
    from soms.jobs.testing import jobs_run

    charlie, priya = org.world.charlie, org.priya
    a = _self(org, soms_version)
    a = _judge(a, org, charlie, {_foundation(soms_version)[0]: "met"})
    with jobs_run():
        a = assessment_submit(assessment=a, membership=_m(charlie, org), actor=charlie)
    assert a in review_queue(_m(priya, org))
    told = {n.user.username: n.text for n in Notification.objects.select_related("user")}
    assert "priya" in told and "dana" in told
    assert (
        "self-assessment of Charlie Member" in told["priya"] and "assessment assessment" not in told["priya"]
    )
