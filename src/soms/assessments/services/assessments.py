"""Writes of an assessment's life: start, judge, submit, return, resubmit, validate, correct.

Pages, the API and the demo all come through here. Each step checks, in this order, the role
(403 before anything is read), the state (409: "already submitted"), the object rule (403 with the
reason: nobody validates an assessment of themself), then the input (`Invalid`, 422, naming the
place). Nothing is written unless everything holds. Every step bumps `Assessment.revision`, writes
an `AssessmentEvent` (the judgement saves excepted: they are edits, not steps) and an audit-log row.

Concurrency: a save carries the revision it read. The assessment row is locked while it is checked
and written, so of two saves made from the same revision the second gets `StaleAssessment`, which
says who saved in between and hands back both the stored values and the ones the user sent, so a
page or client can show them side by side and nothing typed is lost.

Validation records who, when and on which day (`validated_on` is the date attainment counts from)
and recomputes the person's attainment once the transaction has committed. A validated assessment
never changes again: `assessment_correct` starts a new draft with its judgements, whose
`supersedes` names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from soms.assessments.access import may_validate
from soms.assessments.models import (
    Assessment,
    AssessmentEvent,
    EventAction,
    Judgement,
    JudgementValue,
    Kind,
    Status,
)
from soms.core.problems import Invalid, Problem
from soms.frameworks.models import FrameworkVersion, Statement, VersionStatus
from soms.limits import MAX_TEXT_LENGTH
from soms.people.access import me_person, people_in_scope
from soms.people.models import Person
from soms.tenancy.access import require
from soms.tenancy.audit import AuditAction
from soms.tenancy.models import AuditLogEntry, Membership, Role
from soms.tenancy.permissions import ADMINS, can
from soms.tenancy.services import audit_log_write

# The most statements one save may carry (a whole version's worth is far below MAX_STATEMENTS pages).
MAX_JUDGEMENTS_PER_SAVE = 2_000


class AssessmentConflict(Exception):
    """Well formed, but it clashes with the assessment's state (409)."""

    def __init__(
        self, message: str, *, revision: int | None = None, assessment_id: int | None = None
    ) -> None:
        super().__init__(message)
        self.revision = revision
        # The assessment it clashes with, when that is another one (the open one a start repeats):
        # the page links to it instead of leaving the person to find it.
        self.assessment_id = assessment_id


# How a sentence names an assessment of each kind ("an open self-assessment", not the choice label
# "Self-assessment" followed by "assessment").
_KIND_NOUN = {
    Kind.SELF: "self-assessment",
    Kind.MANAGER: "manager assessment",
    Kind.COACH: "coach assessment",
}


@dataclass(frozen=True)
class JudgementIn:
    statement_id: int
    value: str
    comment: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"statement_id": self.statement_id, "value": self.value, "comment": self.comment}


class StaleAssessment(AssessmentConflict):
    """The assessment changed since the revision the save was made from: nothing was written."""

    def __init__(
        self,
        message: str,
        *,
        revision: int,
        changed_by: str = "",
        changed_at: datetime | None = None,
        current: dict[int, dict[str, str]] | None = None,
        yours: Sequence[JudgementIn] = (),
    ) -> None:
        super().__init__(message, revision=revision)
        self.changed_by = changed_by
        self.changed_at = changed_at
        # statement id → {"value", "comment"} as stored now, for the statements the save named.
        self.current = current or {}
        # What the user sent, unchanged, so that the page can put it back in the form.
        self.yours = list(yours)


# --- who may start what ----------------------------------------------------------------------------

# The kinds each role writes about someone else (owners and admins may write either).
_KINDS_FOR_ROLE: dict[str, frozenset[str]] = {
    Role.MANAGER: frozenset({Kind.MANAGER}),
    Role.ASSESSOR: frozenset({Kind.COACH}),
    Role.OWNER: frozenset({Kind.MANAGER, Kind.COACH}),
    Role.ADMIN: frozenset({Kind.MANAGER, Kind.COACH}),
}


def kinds_for(membership: Membership) -> list[str]:
    """The kinds of assessment this member may start (for the start form)."""
    kinds = [Kind.SELF.value] if me_person(membership) is not None else []
    if can(membership, "assessment.start"):
        kinds += [k.value for k in (Kind.MANAGER, Kind.COACH) if k in _KINDS_FOR_ROLE[membership.role]]
    return kinds


def startable_people(membership: Membership) -> Any:
    """Whom this member may start a manager or coach assessment of (a Person queryset): owners,
    admins and assessors anyone of the organisation (coaches work across teams), a manager the
    people in their scope; never themself (that is a self-assessment)."""
    require(membership, "assessment.start")
    if membership.role in ADMINS or membership.role == Role.ASSESSOR:
        people = Person.objects.filter(organisation_id=membership.organisation_id)
    else:
        people = people_in_scope(membership, "person.view")
    me = me_person(membership)
    if me is not None:
        people = people.exclude(pk=me.pk)
    return people.filter(active=True, erased_at__isnull=True)


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _event(assessment: Assessment, action: str, actor: User | None, reason: str = "") -> None:
    AssessmentEvent.objects.create(
        organisation_id=assessment.organisation_id,
        assessment=assessment,
        action=action,
        actor=_actor(actor),
        reason=reason,
    )


def _audit(
    assessment: Assessment,
    action: AuditAction,
    actor: User | None,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
) -> None:
    audit_log_write(
        actor=actor,
        organisation=assessment.organisation,
        action=action,
        obj=assessment,
        before=before,
        after=after,
    )


def _check_start(membership: Membership, person: Person, kind: str) -> None:
    if kind not in Kind.values:
        raise Invalid([Problem(("kind",), f"must be one of {', '.join(Kind.values)}")])
    if person.organisation_id != membership.organisation_id:
        raise Invalid([Problem(("person_id",), "no such person in this organisation")])
    me = me_person(membership)
    if kind == Kind.SELF:
        require(membership, "assessment.start_self")
        if me is None or me.pk != person.pk:
            raise PermissionDenied("A self-assessment is of your own person record only")
        return
    require(membership, "assessment.start")
    if kind not in _KINDS_FOR_ROLE.get(membership.role, frozenset()):
        raise PermissionDenied(
            f"As {membership.get_role_display().lower()} you write "
            + " or ".join(str(Kind(k).label).lower() for k in sorted(_KINDS_FOR_ROLE[membership.role]))
            + " assessments"
        )
    if me is not None and me.pk == person.pk:
        raise PermissionDenied("An assessment of yourself is a self-assessment")
    if not startable_people(membership).filter(pk=person.pk).exists():
        raise Invalid([Problem(("person_id",), "not one of the people you may assess")])


def _check_version(membership: Membership, version: FrameworkVersion) -> None:
    owner = version.framework.organisation_id
    if owner is not None and owner != membership.organisation_id:
        raise Invalid([Problem(("version_id",), "no such framework version")])
    if version.status != VersionStatus.PUBLISHED:
        raise Invalid([Problem(("version_id",), "only a published version can be assessed against")])


@transaction.atomic
def assessment_start(
    *,
    membership: Membership,
    actor: User,
    person: Person,
    version: FrameworkVersion,
    kind: str,
) -> Assessment:
    """A new draft by the current login (its assessor). One open assessment per assessor, person,
    version and kind: starting it again is a conflict naming the open one."""
    _check_start(membership, person, kind)
    _check_version(membership, version)
    open_one = (
        Assessment.objects.filter(
            organisation_id=membership.organisation_id,
            person=person,
            version=version,
            kind=kind,
            assessor=actor,
        )
        .exclude(status=Status.VALIDATED)
        .first()
    )
    if open_one is not None:
        raise AssessmentConflict(
            f"You already have an open {_KIND_NOUN[Kind(open_one.kind)]} of {person} "
            f"on this version (#{open_one.pk}, {open_one.get_status_display().lower()})",
            revision=open_one.revision,
            assessment_id=open_one.pk,
        )
    assessment = Assessment.objects.create(
        organisation_id=membership.organisation_id,
        person=person,
        version=version,
        kind=kind,
        assessor=actor,
        assessor_person=me_person(membership),
        created_by=actor,
    )
    _event(assessment, EventAction.CREATE, actor)
    _audit(
        assessment,
        AuditAction.ASSESSMENT_CREATE,
        actor,
        {"person": person.name, "version": str(version), "kind": kind},
    )
    return assessment


def _locked(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update()
        .select_related("person", "version__framework")
        .get(pk=assessment.pk)
    )


def _last_writer(assessment: Assessment) -> tuple[str, datetime | None]:
    entry = (
        AuditLogEntry.objects.filter(object_type="Assessment", object_id=str(assessment.pk))
        .select_related("actor")
        .order_by("-id")
        .first()
    )
    if entry is None or entry.actor is None:
        return "", None
    return entry.actor.get_full_name() or entry.actor.get_username(), entry.created_at


def _check_revision(locked: Assessment, revision: int | None, yours: Sequence[JudgementIn] = ()) -> None:
    if revision is None or locked.revision == revision:
        return
    who, when = _last_writer(locked)
    ids = _ids(yours)
    current = {
        sid: {"value": value, "comment": comment}
        for sid, value, comment in Judgement.objects.filter(
            assessment=locked, statement_id__in=ids
        ).values_list("statement_id", "value", "comment")
    }
    by = f" by {who}" if who else ""
    raise StaleAssessment(
        (
            f"This assessment was changed{by} since you opened it (revision {revision}, now "
            f"{locked.revision}); nothing of yours was saved. Your values are kept below: check "
            "them against the current ones and save again."
        ),
        revision=locked.revision,
        changed_by=who,
        changed_at=when,
        current=current,
        yours=list(yours),
    )


def _require_editable(membership: Membership, locked: Assessment) -> None:
    require(membership, "assessment.edit")
    if not locked.is_editable:
        raise AssessmentConflict(
            f"This assessment is {locked.get_status_display().lower()}: it can no longer be changed"
            + ("; start a correction instead" if locked.status == Status.VALIDATED else ""),
            revision=locked.revision,
        )
    if not can(membership, "assessment.edit", locked):
        raise PermissionDenied("Only its assessor changes an assessment")


def _clean_judgements(locked: Assessment, judgements: Sequence[JudgementIn]) -> list[JudgementIn]:
    if not judgements:
        raise Invalid([Problem(("judgements",), "name at least one statement")])
    if len(judgements) > MAX_JUDGEMENTS_PER_SAVE:
        raise Invalid([Problem(("judgements",), f"at most {MAX_JUDGEMENTS_PER_SAVE} statements in one save")])
    ids = [j.statement_id for j in judgements]
    known = set(
        Statement.objects.filter(version_id=locked.version_id, pk__in=ids).values_list("pk", flat=True)
    )
    problems: list[Problem] = []
    seen: set[int] = set()
    cleaned = []
    for i, j in enumerate(judgements):
        comment = (j.comment or "").strip()
        if j.statement_id not in known:
            problems.append(
                Problem(
                    ("judgements", i, "statement_id"),
                    f"statement {j.statement_id} is not part of this assessment's framework version "
                    f"({locked.version})",
                )
            )
        elif j.statement_id in seen:
            problems.append(Problem(("judgements", i, "statement_id"), "named twice in one save"))
        seen.add(j.statement_id)
        if j.value not in JudgementValue.values:
            problems.append(Problem(("judgements", i, "value"), "choose not yet (not_yet), partly or met"))
        if len(comment) > MAX_TEXT_LENGTH:
            problems.append(Problem(("judgements", i, "comment"), f"at most {MAX_TEXT_LENGTH} characters"))
        if "\x00" in comment:
            problems.append(Problem(("judgements", i, "comment"), "must not contain NUL characters"))
        cleaned.append(JudgementIn(j.statement_id, j.value, comment))
    if problems:
        raise Invalid(problems)
    return cleaned


@transaction.atomic
def judgements_save(
    *,
    assessment: Assessment,
    membership: Membership,
    actor: User,
    judgements: Sequence[JudgementIn],
    revision: int,
) -> Assessment:
    """Save one or many statements' judgements, made from `revision`. A statement already judged
    gets the new value and comment; an unchanged one is not rewritten. The revision moves on only
    when something changed."""
    require(membership, "assessment.edit")
    locked = _locked(assessment)
    _require_editable(membership, locked)
    _check_revision(locked, revision, judgements)
    cleaned = _clean_judgements(locked, judgements)
    existing = {
        j.statement_id: j for j in Judgement.objects.filter(assessment=locked, statement_id__in=_ids(cleaned))
    }
    new: list[Judgement] = []
    changed: list[Judgement] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    codes = dict(Statement.objects.filter(pk__in=_ids(cleaned)).values_list("pk", "code"))
    for j in cleaned:
        old = existing.get(j.statement_id)
        if old is None:
            new.append(
                Judgement(
                    organisation_id=locked.organisation_id,
                    assessment=locked,
                    statement_id=j.statement_id,
                    value=j.value,
                    comment=j.comment,
                )
            )
        elif (old.value, old.comment) != (j.value, j.comment):
            before[codes[j.statement_id]] = old.value
            old.value, old.comment = j.value, j.comment
            changed.append(old)
        else:
            continue
        after[codes[j.statement_id]] = j.value
    if not new and not changed:
        return locked
    Judgement.objects.bulk_create(new)
    for row in changed:
        row.save(update_fields=["value", "comment", "updated_at"])
    locked.revision += 1
    locked.save(update_fields=["revision", "updated_at"])
    _audit(locked, AuditAction.ASSESSMENT_JUDGE, actor, after, before or None)
    return locked


def _ids(judgements: Sequence[JudgementIn]) -> list[int]:
    return [j.statement_id for j in judgements]


# --- the workflow ----------------------------------------------------------------------------------


def _after_commit_notify(kind: str, assessment_id: int, actor_id: int | None, reason: str = "") -> None:
    from soms.assessments.services.notifications import assessment_notify

    assessment_notify(kind, assessment_id, actor_id, reason)


def _send(locked: Assessment, actor: User | None, step: str, reason: str = "") -> None:
    """Notifications are written in the same transaction; their e-mails leave after commit."""
    _after_commit_notify(step, locked.pk, actor.pk if actor is not None else None, reason)


@transaction.atomic
def assessment_submit(
    *, assessment: Assessment, membership: Membership, actor: User, revision: int | None = None
) -> Assessment:
    """Draft → submitted, by its assessor; needs at least one judgement. A returned assessment is
    resubmitted (`assessment_resubmit`), so that the history says so."""
    require(membership, "assessment.edit")
    locked = _locked(assessment)
    if locked.status == Status.RETURNED:
        return _resubmit(locked, membership, actor, revision)
    if locked.status != Status.DRAFT:
        raise AssessmentConflict(
            f"This assessment is already {locked.get_status_display().lower()}", revision=locked.revision
        )
    return _submit(locked, membership, actor, revision, EventAction.SUBMIT, AuditAction.ASSESSMENT_SUBMIT)


@transaction.atomic
def assessment_resubmit(
    *, assessment: Assessment, membership: Membership, actor: User, revision: int | None = None
) -> Assessment:
    """Returned → submitted again, by its assessor."""
    require(membership, "assessment.edit")
    locked = _locked(assessment)
    return _resubmit(locked, membership, actor, revision)


def _resubmit(locked: Assessment, membership: Membership, actor: User, revision: int | None) -> Assessment:
    if locked.status != Status.RETURNED:
        raise AssessmentConflict(
            f"Only a returned assessment is resubmitted; this one is {locked.get_status_display().lower()}",
            revision=locked.revision,
        )
    return _submit(locked, membership, actor, revision, EventAction.RESUBMIT, AuditAction.ASSESSMENT_RESUBMIT)


def _submit(
    locked: Assessment,
    membership: Membership,
    actor: User,
    revision: int | None,
    event: str,
    audit: AuditAction,
) -> Assessment:
    _require_editable(membership, locked)
    _check_revision(locked, revision)
    count = Judgement.objects.filter(assessment=locked).count()
    if count == 0:
        raise Invalid([Problem(("judgements",), "judge at least one statement before submitting")])
    status_before = locked.status
    locked.status = Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.revision += 1
    locked.save(update_fields=["status", "submitted_at", "revision", "updated_at"])
    _event(locked, event, actor)
    _audit(locked, audit, actor, {"status": locked.status, "judgements": count}, {"status": status_before})
    _send(locked, actor, "submit")
    return locked


def _require_review(membership: Membership, locked: Assessment, verb: str) -> None:
    require(membership, "assessment.review")
    if locked.status != Status.SUBMITTED:
        raise AssessmentConflict(
            f"Only a submitted assessment is {verb}; this one is {locked.get_status_display().lower()}",
            revision=locked.revision,
        )
    if locked.assessor_id == membership.user_id:
        raise PermissionDenied("You wrote this assessment: someone else must review it")
    if locked.person.user_id is not None and locked.person.user_id == membership.user_id:
        raise PermissionDenied("Nobody reviews an assessment of themself")
    if not may_validate(membership, locked.version.rules):
        raise PermissionDenied(
            f"This framework's rules do not let a {membership.get_role_display().lower()} validate"
        )
    if not can(membership, "assessment.review", locked):  # any further rule access.py registers
        raise PermissionDenied("You may not review this assessment")


@transaction.atomic
def assessment_return(
    *,
    assessment: Assessment,
    membership: Membership,
    actor: User,
    reason: str,
    revision: int | None = None,
) -> Assessment:
    """Submitted → returned with a reason (required) for its assessor to act on."""
    require(membership, "assessment.review")
    locked = _locked(assessment)
    _require_review(membership, locked, "returned")
    _check_revision(locked, revision)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid([Problem(("reason",), "say why it is returned: the assessor acts on it")])
    if len(reason) > MAX_TEXT_LENGTH or "\x00" in reason:
        raise Invalid([Problem(("reason",), f"at most {MAX_TEXT_LENGTH} characters, no NUL characters")])
    locked.status = Status.RETURNED
    locked.return_reason = reason
    locked.revision += 1
    locked.save(update_fields=["status", "return_reason", "revision", "updated_at"])
    _event(locked, EventAction.RETURN, actor, reason)
    _audit(
        locked,
        AuditAction.ASSESSMENT_RETURN,
        actor,
        {"status": locked.status, "reason": reason},
        {"status": Status.SUBMITTED},
    )
    _send(locked, actor, "return", reason)
    return locked


@transaction.atomic
def assessment_validate(
    *, assessment: Assessment, membership: Membership, actor: User, revision: int | None = None
) -> Assessment:
    """Submitted → validated: the validator, the time and the day are recorded, and the person's
    attainment is recomputed once this commits. From now on the assessment never changes."""
    require(membership, "assessment.review")
    locked = _locked(assessment)
    _require_review(membership, locked, "validated")
    _check_revision(locked, revision)
    now = timezone.now()
    locked.status = Status.VALIDATED
    locked.validated_at = now
    locked.validated_on = timezone.localdate(now)
    locked.validated_by = actor
    locked.validated_by_person = me_person(membership)
    locked.revision += 1
    locked.save(
        update_fields=[
            "status",
            "validated_at",
            "validated_on",
            "validated_by",
            "validated_by_person",
            "revision",
            "updated_at",
        ]
    )
    _event(locked, EventAction.VALIDATE, actor)
    _audit(
        locked,
        AuditAction.ASSESSMENT_VALIDATE,
        actor,
        {"status": locked.status, "validated_on": locked.validated_on.isoformat()},
        {"status": Status.SUBMITTED},
    )
    _send(locked, actor, "validate")
    pk = locked.pk

    def recompute() -> None:
        from soms.assessments.services.attainment import recompute_assessment

        recompute_assessment(Assessment.objects.select_related("version").get(pk=pk))

    transaction.on_commit(recompute)
    return locked


@transaction.atomic
def assessment_correct(*, assessment: Assessment, membership: Membership, actor: User) -> Assessment:
    """A new draft that copies a validated assessment's judgements and supersedes it: the way to
    change what was validated (the old one stays as it was, and its history says it was superseded).
    Whoever starts it must be allowed to start that kind of assessment of that person."""
    locked = _locked(assessment)
    if locked.status != Status.VALIDATED:
        raise AssessmentConflict(
            "Only a validated assessment is corrected; a "
            f"{locked.get_status_display().lower()} one is edited or reviewed as it is",
            revision=locked.revision,
        )
    _check_start(membership, locked.person, locked.kind)
    taken = Assessment.objects.filter(supersedes=locked).first()
    if taken is not None:
        raise AssessmentConflict(
            f"This assessment already has a correction (#{taken.pk}); work on that one",
            revision=locked.revision,
        )
    new = Assessment.objects.create(
        organisation_id=locked.organisation_id,
        person=locked.person,
        version=locked.version,
        kind=locked.kind,
        assessor=actor,
        assessor_person=me_person(membership),
        created_by=actor,
        supersedes=locked,
    )
    Judgement.objects.bulk_create(
        Judgement(
            organisation_id=locked.organisation_id,
            assessment=new,
            statement_id=j.statement_id,
            value=j.value,
            comment=j.comment,
        )
        for j in Judgement.objects.filter(assessment=locked)
    )
    _event(new, EventAction.CREATE, actor, f"Correction of assessment #{locked.pk}")
    _event(locked, EventAction.SUPERSEDE, actor, f"Corrected by assessment #{new.pk}")
    _audit(new, AuditAction.ASSESSMENT_CORRECT, actor, {"supersedes": locked.pk, "kind": new.kind})
    return new
