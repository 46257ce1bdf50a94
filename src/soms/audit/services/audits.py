"""Audits: starting one (or a re-audit from a baseline), respondents and their independent ratings,
the lead's consensus, evidence, findings and actions, closing.

Every bad input raises `Invalid` naming the field and writes nothing; a write that clashes with the
audit's state (closed, answers submitted, a stale revision) raises `AuditConflict`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from soms.audit.errors import AuditConflict, LinkExpired
from soms.audit.models import (
    FINISHED_ACTIONS,
    Action,
    ActionStatus,
    Audit,
    AuditStatus,
    AuditTemplate,
    Consensus,
    Evidence,
    Finding,
    FindingKind,
    FindingStatus,
    Question,
    Rating,
    Respondent,
    TemplateStatus,
)
from soms.audit.scoring import WIDE_AT, core_question, core_questions, respondent_answers
from soms.core import audit_scoring as core
from soms.core.audit_scoring import NA
from soms.core.problems import Invalid, Problem
from soms.fields import NUL_MESSAGE
from soms.frameworks.models import Element
from soms.limits import MAX_TEXT_LENGTH
from soms.tenancy.models import Membership, Organisation
from soms.tenancy.services import audit_log_write

LINK_DAYS_DEFAULT = 14
LINK_DAYS_MAX = 90


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _open(audit: Audit) -> Audit:
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if locked.status != AuditStatus.OPEN:
        raise AuditConflict("the audit is closed: nothing more can be answered or agreed in it")
    return locked


def _member_of(organisation: Organisation, user: Any, where: str) -> Any:
    if user is None or not Membership.objects.filter(organisation=organisation, user=user).exists():
        raise Invalid.for_field(where, "must be a member of this organisation")
    return user


def _check_targets(template: AuditTemplate, targets: Mapping[str, Any]) -> dict[str, float]:
    codes = set(Element.objects.filter(version=template.framework_version).values_list("code", flat=True))
    out: dict[str, float] = {}
    problems = []
    for code, value in targets.items():
        if code not in codes:
            problems.append(Problem(("targets", code), "no such element in the template's framework"))
            continue
        if value is None or value == "":
            continue
        try:
            share = float(value)
        except (TypeError, ValueError):
            problems.append(Problem(("targets", code), "must be a share between 0 and 1"))
            continue
        if not 0.0 <= share <= 1.0:
            problems.append(Problem(("targets", code), "must be a share between 0 and 1"))
            continue
        out[code] = share
    if problems:
        raise Invalid(problems)
    return out


@transaction.atomic
def audit_create(
    *,
    organisation: Organisation,
    template: AuditTemplate,
    title: str,
    date: dt.date,
    lead: Any,
    unit: Any = None,
    targets: Mapping[str, Any] | None = None,
    actor: Any,
) -> Audit:
    if template.status != TemplateStatus.PUBLISHED:
        raise Invalid.for_field("template", "audit against a published template")
    if template.organisation_id not in (None, organisation.pk):
        raise Invalid.for_field("template", "no such template")
    if unit is not None and unit.organisation_id != organisation.pk:
        raise Invalid.for_field("unit", "no such unit")
    if not title.strip():
        raise Invalid.for_field("title", "give the audit a title")
    _member_of(organisation, lead, "lead")
    audit = Audit.objects.create(
        organisation=organisation,
        title=title.strip(),
        template=template,
        unit=unit,
        date=date,
        lead=lead,
        targets=_check_targets(template, targets or {}),
        created_by=_user(actor),
    )
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="audit.create",
        obj=audit,
        after={"template": str(template), "date": date.isoformat(), "unit": audit.scope_name},
    )
    return audit


@transaction.atomic
def audit_targets_set(*, audit: Audit, targets: Mapping[str, Any], revision: int | None, actor: Any) -> Audit:
    locked = _open(audit)
    if revision is not None and locked.revision != revision:
        raise AuditConflict("the audit was changed since you read it", locked.revision)
    clean = _check_targets(locked.template, targets)
    before = dict(locked.targets)
    locked.targets = clean
    locked.revision += 1
    locked.save(update_fields=["targets", "revision"])
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit.update",
        obj=locked,
        before={"targets": before},
        after={"targets": clean},
    )
    return locked


# --- respondents ----------------------------------------------------------------------------------


@transaction.atomic
def respondent_add(*, audit: Audit, user: Any, actor: Any) -> Respondent:
    """A member of the organisation rates the audit independently."""
    locked = _open(audit)
    _member_of(locked.organisation, user, "user")
    if Respondent.objects.filter(audit=locked, user=user).exists():
        raise AuditConflict(f"{user.get_full_name() or user.get_username()} already answers this audit")
    try:
        with transaction.atomic():
            respondent = Respondent.objects.create(
                organisation=locked.organisation,
                audit=locked,
                user=user,
                name=user.get_full_name() or user.get_username(),
                email=user.email,
            )
    except IntegrityError:
        raise AuditConflict("this person already answers this audit") from None
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_respondent.add",
        obj=respondent,
        after={"name": respondent.name},
    )
    return respondent


@dataclass(frozen=True)
class Invitation:
    respondent: Respondent
    token: str  # shown once; only its hash is stored


@transaction.atomic
def respondent_invite(
    *,
    audit: Audit,
    name: str,
    email: str = "",
    days: int = LINK_DAYS_DEFAULT,
    actor: Any,
    now: dt.datetime | None = None,
) -> Invitation:
    """Someone without a login answers through a personal link that expires after `days`."""
    locked = _open(audit)
    if not name.strip():
        raise Invalid.for_field("name", "say who answers through this link")
    if not 1 <= days <= LINK_DAYS_MAX:
        raise Invalid.for_field("days", f"a link lasts 1 to {LINK_DAYS_MAX} days")
    if email and Respondent.objects.filter(audit=locked, email__iexact=email).exists():
        raise AuditConflict(f"{email} already answers this audit")
    token = "sa_" + secrets.token_urlsafe(32)
    respondent = Respondent.objects.create(
        organisation=locked.organisation,
        audit=locked,
        name=name.strip()[:200],
        email=email,
        token_hash=token_hash(token),
        token_expires_at=(now or timezone.now()) + dt.timedelta(days=days),
    )
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_respondent.invite",
        obj=respondent,
        after={"name": respondent.name, "email": email, "expires": str(respondent.token_expires_at)},
    )
    return Invitation(respondent, token)


def respondent_by_token(token: str, *, now: dt.datetime | None = None) -> Respondent:
    """The respondent a personal link belongs to. `LinkExpired` for an expired link or a closed
    audit; `Respondent.DoesNotExist` for a link nobody has."""
    if not isinstance(token, str) or not token.startswith("sa_") or len(token) > 100:
        raise Respondent.DoesNotExist
    respondent = Respondent.objects.select_related("audit", "audit__template", "organisation").get(
        token_hash=token_hash(token)
    )
    if respondent.link_expired(now or timezone.now()):
        raise LinkExpired("This link has expired. Ask the audit's lead for a new one.")
    if respondent.audit.status != AuditStatus.OPEN:
        raise LinkExpired("This audit is closed; its answers can no longer be changed.")
    return respondent


# --- ratings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerIn:
    """One answer as an edge received it: `value` (a rating, yes/partly/no, a number) or not
    applicable with a reason; `value` None and not N/A clears the answer."""

    question_id: int
    value: Any = None
    not_applicable: bool = False
    reason: str = ""


def _coerce(q: Question, value: Any) -> Any:
    """A value typed in a form ("3", "yes", "82.5") in the answer set's own terms; unchanged when it
    cannot be read, so that the core names the problem."""
    if isinstance(value, str):
        text = value.strip()
        # A rating is one or two digits: a longer run is left as text for the core to refuse (int()
        # of 5,000 digits raises past Python's digit limit).
        if q.kind == "maturity" and text.lstrip("-").isdigit() and len(text) <= 18:
            return int(text)
        if q.kind == "number":
            try:
                return float(text.replace(",", "."))
            except ValueError:
                return value
        return text.lower()
    if q.kind == "maturity" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def check_answers(
    questions: Mapping[int, Question], answers: Sequence[AnswerIn], *, where: str = "answers"
) -> list[tuple[Question, Any, bool, str]]:
    """Every answer checked against its question's answer set; all problems at once."""
    problems: list[Problem] = []
    out = []
    seen: set[int] = set()
    for a in answers:
        q = questions.get(a.question_id)
        if q is None:
            problems.append(Problem((where, str(a.question_id)), "no such question in this audit"))
            continue
        if a.question_id in seen:
            problems.append(Problem((where, q.code), "answered twice in one request"))
            continue
        seen.add(a.question_id)
        reason = (a.reason or "").strip()
        if len(reason) > MAX_TEXT_LENGTH:
            problems.append(Problem((where, q.code, "reason"), f"at most {MAX_TEXT_LENGTH} characters"))
            continue
        if "\x00" in reason or (isinstance(a.value, str) and "\x00" in a.value):
            # Pages pass what was typed straight through: PostgreSQL refuses NUL in text outright.
            field = "reason" if "\x00" in reason else "value"
            problems.append(Problem((where, q.code, field), NUL_MESSAGE, "string_nul"))
            continue
        if a.not_applicable:
            if not q.allow_na:
                problems.append(
                    Problem((where, q.code), "this question must be answered; it cannot be not applicable")
                )
            elif not reason:
                problems.append(Problem((where, q.code, "reason"), "say why this question does not apply"))
            else:
                out.append((q, None, True, reason))
            continue
        if a.value is None or a.value == "":
            out.append((q, None, False, reason))
            continue
        value = _coerce(q, a.value)
        try:
            core.share_of(core_question(q).answers, value, q.code)
        except Invalid as exc:
            problems.extend(Problem((where, q.code), p.msg) for p in exc.problems)
            continue
        out.append((q, value, False, reason))
    if problems:
        raise Invalid(problems)
    return out


def _questions(audit: Audit) -> dict[int, Question]:
    return {q.pk: q for q in Question.objects.filter(template_id=audit.template_id).select_related("element")}


@transaction.atomic
def ratings_save(*, respondent: Respondent, answers: Sequence[AnswerIn], actor: Any = None) -> int:
    """Save (or change) a respondent's own answers before they submit. Nothing is written unless
    every answer is valid. Returns how many were stored."""
    locked = Respondent.objects.select_for_update().get(pk=respondent.pk)
    audit = _open(locked.audit)
    if locked.submitted_at is not None:
        raise AuditConflict("your answers are submitted and can no longer change")
    checked = check_answers(_questions(audit), answers)
    stored = 0
    for q, value, na, reason in checked:
        if value is None and not na:
            Rating.objects.filter(respondent=locked, question=q).delete()
            continue
        Rating.objects.update_or_create(
            respondent=locked,
            question=q,
            defaults={
                "organisation_id": locked.organisation_id,
                "value": value,
                "not_applicable": na,
                "reason": reason,
            },
        )
        stored += 1
    return stored


@transaction.atomic
def ratings_submit(
    *, respondent: Respondent, actor: Any = None, now: dt.datetime | None = None
) -> Respondent:
    """Hand in the answers: every question answered (or not applicable), then they are final."""
    locked = Respondent.objects.select_for_update().get(pk=respondent.pk)
    audit = _open(locked.audit)
    if locked.submitted_at is not None:
        raise AuditConflict("these answers were already submitted; they can be submitted once")
    questions = _questions(audit)
    answered = set(Rating.objects.filter(respondent=locked).values_list("question_id", flat=True))
    missing = [q for q in questions.values() if q.pk not in answered]
    if missing:
        raise Invalid(
            Problem(
                ("answers", q.code), "not answered yet (answer it, or mark it not applicable with a reason)"
            )
            for q in missing
        )
    locked.submitted_at = now or timezone.now()
    locked.save(update_fields=["submitted_at"])
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_ratings.submit",
        obj=locked,
        after={"answers": len(answered)},
    )
    return locked


# --- consensus ------------------------------------------------------------------------------------


def question_spreads(audit: Audit, questions: Sequence[Question] | None = None) -> list[core.QuestionSpread]:
    """How far the submitted respondents' answers lie apart, most-disagreed first."""
    qs = list(questions) if questions is not None else list(_questions(audit).values())
    by_id = {q.pk: q for q in qs}
    respondents = list(Respondent.objects.filter(audit=audit, submitted_at__isnull=False))
    ratings = Rating.objects.filter(respondent__in=respondents, question_id__in=list(by_id))
    return core.spread(core_questions(qs), respondent_answers(respondents, ratings, by_id), wide_at=WIDE_AT)


@transaction.atomic
def consensus_set(
    *,
    audit: Audit,
    question: Question,
    value: Any,
    not_applicable: bool = False,
    reason: str = "",
    actor: Any,
) -> Consensus:
    """The lead's agreed answer. A reason is required where the respondents disagree widely (and
    for not applicable); the independent ratings stay as they are."""
    locked = _open(audit)
    if question.template_id != locked.template_id:
        raise Invalid.for_field("question", "no such question in this audit")
    [(q, clean, na, why)] = check_answers(
        {question.pk: question}, [AnswerIn(question.pk, value, not_applicable, reason)], where="consensus"
    )
    if clean is None and not na:
        raise Invalid.for_field("value", "give the agreed answer, or mark the question not applicable")
    spread = next((s for s in question_spreads(locked, [question]) if s.question == question.code), None)
    if spread is not None and spread.wide and not why:
        raise Invalid.for_field(
            "reason",
            f"the respondents' answers lie far apart (from {spread.lowest} to {spread.highest}"
            f"{', some say not applicable' if spread.na_split else ''}): say why you chose this answer",
        )
    row, _ = Consensus.objects.update_or_create(
        audit=locked,
        question=question,
        defaults={
            "organisation_id": locked.organisation_id,
            "value": clean,
            "not_applicable": na,
            "reason": why,
            "decided_by": _user(actor),
        },
    )
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_consensus.set",
        obj=row,
        after={"question": question.code, "value": NA if na else clean, "reason": why},
    )
    return row


@transaction.atomic
def consensus_accept_agreed(*, audit: Audit, actor: Any) -> int:
    """Take the (lower) median as the consensus of every question without one where the submitted
    answers do not disagree widely. Wide disagreements stay for the lead to resolve with a reason."""
    locked = _open(audit)
    questions = _questions(locked)
    by_code = {q.code: q for q in questions.values()}
    have = set(Consensus.objects.filter(audit=locked).values_list("question_id", flat=True))
    made = 0
    for s in question_spreads(locked, list(questions.values())):
        q = by_code[s.question]
        if q.pk in have or s.wide or (s.rated == 0 and s.not_applicable == 0):
            continue
        na = s.rated == 0
        Consensus.objects.create(
            organisation_id=locked.organisation_id,
            audit=locked,
            question=q,
            value=None if na else s.median,
            not_applicable=na,
            reason="Respondents agreed." if not na else "All respondents said it does not apply.",
            decided_by=_user(actor),
        )
        made += 1
    if made:
        audit_log_write(
            actor=actor,
            organisation=locked.organisation,
            action="audit_consensus.set",
            obj=locked,
            after={"agreed answers taken": made},
        )
    return made


@transaction.atomic
def audit_close(*, audit: Audit, actor: Any, now: dt.datetime | None = None) -> Audit:
    """Close the audit once every question has a consensus; nothing is answered after."""
    locked = _open(audit)
    questions = _questions(locked)
    have = set(Consensus.objects.filter(audit=locked).values_list("question_id", flat=True))
    missing = [q for q in questions.values() if q.pk not in have]
    if missing:
        raise Invalid(Problem(("consensus", q.code), "no consensus yet") for q in missing)
    locked.status = AuditStatus.CLOSED
    locked.closed_at = now or timezone.now()
    locked.revision += 1
    locked.save(update_fields=["status", "closed_at", "revision"])
    audit_log_write(actor=actor, organisation=locked.organisation, action="audit.close", obj=locked)
    return locked


# --- evidence, findings, actions ------------------------------------------------------------------


def _element(audit: Audit, code: Any) -> Element:
    element = Element.objects.filter(version_id=audit.template.framework_version_id, code=code).first()
    if element is None:
        raise Invalid.for_field("element", f"no element {code!r} in this audit's framework")
    return element


def _question(audit: Audit, question_id: Any, element: Element) -> Question | None:
    if question_id in (None, ""):
        return None
    q = (
        Question.objects.filter(template_id=audit.template_id, pk=question_id).first()
        if str(question_id).isdigit()
        else None
    )
    if q is None:
        raise Invalid.for_field("question", "no such question in this audit")
    if q.element_id != element.pk:
        raise Invalid.for_field("question", f"question {q.code} belongs to another element")
    return q


def _text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid.for_field(field, "must not be blank")
    if len(text) > MAX_TEXT_LENGTH:
        raise Invalid.for_field(field, f"at most {MAX_TEXT_LENGTH} characters")
    return text


@transaction.atomic
def evidence_add(
    *,
    audit: Audit,
    element: str,
    text: str,
    refers_to: dt.date,
    link: str = "",
    expires_on: dt.date | None = None,
    question: Any = None,
    actor: Any,
) -> Evidence:
    el = _element(audit, element)
    q = _question(audit, question, el)
    body = _text(text, "text")
    if expires_on is not None and expires_on < refers_to:
        raise Invalid.for_field("expires_on", "evidence cannot expire before the date it refers to")
    row = Evidence.objects.create(
        organisation_id=audit.organisation_id,
        audit=audit,
        element=el,
        question=q,
        text=body,
        link=link,
        refers_to=refers_to,
        expires_on=expires_on,
        added_by=_user(actor),
    )
    audit_log_write(
        actor=actor,
        organisation=audit.organisation,
        action="audit_evidence.add",
        obj=row,
        after={"element": el.code, "refers_to": refers_to.isoformat()},
    )
    return row


@transaction.atomic
def finding_add(
    *,
    audit: Audit,
    element: str,
    text: str,
    kind: str = FindingKind.FINDING,
    question: Any = None,
    actor: Any,
) -> Finding:
    el = _element(audit, element)
    q = _question(audit, question, el)
    if kind not in FindingKind.values:
        raise Invalid.for_field("kind", "must be finding or recommendation")
    row = Finding.objects.create(
        organisation_id=audit.organisation_id,
        audit=audit,
        element=el,
        question=q,
        kind=kind,
        text=_text(text, "text"),
        created_by=_user(actor),
    )
    audit_log_write(
        actor=actor,
        organisation=audit.organisation,
        action="audit_finding.create",
        obj=row,
        after={"element": el.code, "kind": kind, "text": row.text},
    )
    return row


@transaction.atomic
def finding_update(
    *, finding: Finding, status: str | None = None, text: str | None = None, actor: Any
) -> Finding:
    before = {"status": finding.status, "text": finding.text}
    if status is not None:
        if status not in FindingStatus.values:
            raise Invalid.for_field("status", "must be open or closed")
        finding.status = status
    if text is not None:
        finding.text = _text(text, "text")
    finding.save()
    after = {"status": finding.status, "text": finding.text}
    audit_log_write(
        actor=actor,
        organisation=finding.audit.organisation,
        action="audit_finding.update",
        obj=finding,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return finding


def _kpi(audit: Audit, kpi_id: Any) -> Any:
    if kpi_id in (None, ""):
        return None
    from soms.toolkits.models.saved import Kpi

    kpi = (
        Kpi.objects.filter(organisation_id=audit.organisation_id, pk=kpi_id).first()
        if str(kpi_id).isdigit()
        else None
    )
    if kpi is None:
        raise Invalid.for_field("kpi", "no such KPI in this organisation")
    return kpi


@transaction.atomic
def action_add(
    *,
    audit: Audit,
    element: str,
    title: str,
    owner: Any = None,
    due_date: dt.date | None = None,
    finding: Finding | None = None,
    kpi: Any = None,
    actor: Any,
) -> Action:
    el = _element(audit, element)
    if owner is not None:
        _member_of(audit.organisation, owner, "owner")
    if finding is not None and finding.audit_id != audit.pk:
        raise Invalid.for_field("finding", "no such finding in this audit")
    name = _text(title, "title")
    if len(name) > 200:
        raise Invalid.for_field("title", "at most 200 characters")
    row = Action.objects.create(
        organisation_id=audit.organisation_id,
        audit=audit,
        element=el,
        title=name,
        owner=owner,
        due_date=due_date,
        finding=finding,
        kpi=_kpi(audit, kpi),
        created_by=_user(actor),
    )
    audit_log_write(
        actor=actor,
        organisation=audit.organisation,
        action="audit_action.create",
        obj=row,
        after={"element": el.code, "title": name, "due": due_date.isoformat() if due_date else None},
    )
    return row


@transaction.atomic
def action_update(
    *,
    action: Action,
    status: str | None = None,
    due_date: dt.date | None = None,
    owner: Any = None,
    revision: int | None = None,
    actor: Any,
    now: dt.datetime | None = None,
) -> Action:
    locked = Action.objects.select_for_update().get(pk=action.pk)
    if revision is not None and locked.revision != revision:
        raise AuditConflict("the action was changed since you read it", locked.revision)
    before = {"status": locked.status, "due_date": locked.due_date, "owner": locked.owner_id}
    if status is not None:
        if status not in ActionStatus.values:
            raise Invalid.for_field("status", f"must be one of {', '.join(ActionStatus.values)}")
        locked.status = status
        locked.completed_at = (now or timezone.now()) if status in FINISHED_ACTIONS else None
    if due_date is not None:
        locked.due_date = due_date
    if owner is not None:
        _member_of(locked.organisation, owner, "owner")
        locked.owner = owner
    locked.revision += 1
    locked.save()
    after = {"status": locked.status, "due_date": locked.due_date, "owner": locked.owner_id}
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_action.update",
        obj=locked,
        before={k: str(v) for k, v in before.items() if after[k] != v},
        after={k: str(v) for k, v in after.items() if before[k] != v},
    )
    return locked


# --- re-audits ------------------------------------------------------------------------------------


@transaction.atomic
def reaudit_start(*, baseline: Audit, date: dt.date, actor: Any, title: str = "", lead: Any = None) -> Audit:
    """A re-audit from a closed baseline: the same template, scope and targets; the members who
    answered are respondents again with nothing answered; the baseline's consensus is shown beside
    every question; open findings and unfinished actions are carried forward."""
    baseline = Audit.objects.select_related("template", "unit", "organisation", "lead").get(pk=baseline.pk)
    if baseline.status != AuditStatus.CLOSED:
        raise AuditConflict("close the baseline audit before starting a re-audit from it")
    if date < baseline.date:
        raise Invalid.for_field("date", f"a re-audit comes after its baseline ({baseline.date:%d %b %Y})")
    audit = audit_create(
        organisation=baseline.organisation,
        template=baseline.template,
        title=title.strip() or f"{baseline.title} — re-audit {date:%b %Y}",
        date=date,
        lead=lead or baseline.lead,
        unit=baseline.unit,
        targets=baseline.targets,
        actor=actor,
    )
    audit.baseline = baseline
    audit.save(update_fields=["baseline"])
    for r in Respondent.objects.filter(audit=baseline, user__isnull=False).select_related("user"):
        if Membership.objects.filter(organisation=baseline.organisation, user=r.user).exists():
            Respondent.objects.create(
                organisation_id=audit.organisation_id, audit=audit, user=r.user, name=r.name, email=r.email
            )
    carried: dict[int, Finding] = {}
    for f in Finding.objects.filter(audit=baseline, status=FindingStatus.OPEN):
        carried[f.pk] = Finding.objects.create(
            organisation_id=audit.organisation_id,
            audit=audit,
            kind=f.kind,
            element_id=f.element_id,
            question_id=f.question_id,
            text=f.text,
            carried_from=f,
            created_by=f.created_by,
        )
    for a in Action.objects.filter(audit=baseline).exclude(status__in=FINISHED_ACTIONS):
        Action.objects.create(
            organisation_id=audit.organisation_id,
            audit=audit,
            element_id=a.element_id,
            title=a.title,
            owner=a.owner,
            due_date=a.due_date,
            status=a.status,
            kpi=a.kpi,
            carried_from=a,
            finding=carried.get(a.finding_id) if a.finding_id else None,
            created_by=a.created_by,
        )
    audit_log_write(
        actor=actor,
        organisation=audit.organisation,
        action="audit.reaudit",
        obj=audit,
        after={"baseline": str(baseline), "findings carried": len(carried)},
    )
    return audit
