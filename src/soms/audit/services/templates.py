"""Audit templates: the built-in one, drafts derived from a framework version or from another
template, questions with their answer sets, publishing (after which a template never changes)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from soms.audit.errors import AuditConflict
from soms.audit.models import AnswerKind, AuditTemplate, Question, Rule, TemplateStatus
from soms.audit.scoring import core_questions
from soms.core import audit_scoring as core
from soms.core.problems import Invalid, Problem
from soms.core.safeload import yaml_loads
from soms.frameworks.models import Element, FrameworkVersion, VersionStatus
from soms.limits import MAX_AUDIT_QUESTIONS, MAX_MATURITY_ANCHORS, MAX_TEXT_LENGTH
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write

BUILTIN_DIR = Path(__file__).parent.parent / "builtin"
MAX_QUESTIONS = MAX_AUDIT_QUESTIONS
MAX_ANCHORS = MAX_MATURITY_ANCHORS
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
QUESTION_FIELDS = (
    "code",
    "text",
    "guidance",
    "kind",
    "anchors",
    "minimum",
    "maximum",
    "higher_is_better",
    "steps",
    "unit",
    "weight",
    "allow_na",
)


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _require_draft(template: AuditTemplate) -> None:
    if template.status != TemplateStatus.DRAFT:
        raise AuditConflict("a published template never changes; start a new version to change it")


def _check_revision(template: AuditTemplate, revision: int | None) -> AuditTemplate:
    locked = AuditTemplate.objects.select_for_update().get(pk=template.pk)
    _require_draft(locked)
    if revision is not None and locked.revision != revision:
        raise AuditConflict(
            "the template was changed since you read it; what you typed is kept, check and save again",
            locked.revision,
        )
    return locked


def _bump(template: AuditTemplate) -> None:
    AuditTemplate.objects.filter(pk=template.pk).update(revision=template.revision + 1)
    template.revision += 1


# --- built-in -------------------------------------------------------------------------------------


def _builtin_framework(code: str) -> FrameworkVersion | None:
    return (
        FrameworkVersion.objects.filter(framework__organisation__isnull=True, framework__code=code)
        .order_by("-published_at", "-id")
        .first()
    )


@transaction.atomic
def builtin_audit_templates_load() -> list[AuditTemplate]:
    """Create the built-in templates that are missing (after the built-in frameworks). Cheap when
    they are all there; safe at every start."""
    made = []
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        doc = yaml_loads(path.read_text(encoding="utf-8"))
        if AuditTemplate.objects.filter(
            organisation__isnull=True, code=doc["code"], label=str(doc["label"])
        ).exists():
            continue
        version = _builtin_framework(doc["framework"])
        if version is None:
            continue
        elements = {e.code: e for e in version.elements.all()}
        template = AuditTemplate.objects.create(
            organisation=None,
            code=doc["code"],
            name=doc["name"],
            label=str(doc["label"]),
            description=doc.get("description", ""),
            framework_version=version,
            rule=doc.get("rule", Rule.WEIGHTED_MEAN),
            status=TemplateStatus.PUBLISHED,
            published_at=timezone.now(),
            is_builtin=True,
        )
        scale = doc["scale"]
        rows = []
        order = 0
        for element_code, questions in doc["questions"].items():
            for q in questions:
                order += 1
                kind = q.get("kind", AnswerKind.MATURITY)
                anchors = []
                if kind == AnswerKind.MATURITY:
                    anchors = [
                        {"value": i + 1, "label": scale[i], "description": text}
                        for i, text in enumerate(q["anchors"])
                    ]
                rows.append(
                    Question(
                        template=template,
                        element=elements[element_code],
                        code=q["code"],
                        text=q["text"],
                        kind=kind,
                        anchors=anchors,
                        minimum=q.get("minimum", 0),
                        maximum=q.get("maximum", 100),
                        steps=q.get("steps", []),
                        unit=q.get("unit", ""),
                        weight=q.get("weight", 1.0),
                        allow_na=q.get("allow_na", True),
                        order=order,
                    )
                )
        Question.objects.bulk_create(rows)
        core.check_template(
            core_questions(Question.objects.filter(template=template).select_related("element"))
        )
        made.append(template)
    return made


# --- drafts ---------------------------------------------------------------------------------------


def _next_label(organisation: Organisation, code: str) -> str:
    labels = AuditTemplate.objects.filter(organisation=organisation, code=code).values_list(
        "label", flat=True
    )
    numbers = [int(x) for x in labels if x.isdigit()]
    return str(max(numbers, default=0) + 1)


@transaction.atomic
def audit_template_create(
    *,
    organisation: Organisation,
    framework_version: FrameworkVersion,
    code: str,
    name: str,
    description: str = "",
    rule: str = Rule.WEIGHTED_MEAN,
    actor: Any,
) -> AuditTemplate:
    """An empty draft derived from a published framework version: its questions will sit in that
    version's elements."""
    if framework_version.status != VersionStatus.PUBLISHED:
        raise Invalid.for_field("framework_version", "derive a template from a published framework version")
    if AuditTemplate.objects.filter(organisation=organisation, code=code).exists():
        raise AuditConflict(f"a template with the code {code!r} already exists; start a new version of it")
    template = AuditTemplate.objects.create(
        organisation=organisation,
        code=code,
        name=name,
        label="1",
        description=description,
        framework_version=framework_version,
        rule=rule,
        created_by=_user(actor),
    )
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="audit_template.create",
        obj=template,
        after={"code": code, "name": name, "framework_version": str(framework_version), "rule": rule},
    )
    return template


@transaction.atomic
def audit_template_new_version(
    *, template: AuditTemplate, organisation: Organisation, actor: Any
) -> AuditTemplate:
    """A new draft with the questions of a published template: the next version of the
    organisation's own template, or the organisation's adaptation of a built-in one."""
    if template.status != TemplateStatus.PUBLISHED:
        raise AuditConflict("start a new version from a published template; this one is still a draft")
    if AuditTemplate.objects.filter(
        organisation=organisation, code=template.code, status=TemplateStatus.DRAFT
    ).exists():
        raise AuditConflict("this template already has a draft; finish or publish that one first")
    draft = AuditTemplate.objects.create(
        organisation=organisation,
        code=template.code,
        name=template.name,
        label=_next_label(organisation, template.code),
        description=template.description,
        framework_version=template.framework_version,
        rule=template.rule,
        based_on=template,
        created_by=_user(actor),
    )
    Question.objects.bulk_create(
        Question(
            template=draft,
            element_id=q.element_id,
            order=q.order,
            **{f: getattr(q, f) for f in QUESTION_FIELDS},
        )
        for q in template.questions.all()
    )
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="audit_template.create",
        obj=draft,
        after={"based_on": str(template), "label": draft.label},
    )
    return draft


@transaction.atomic
def audit_template_update(
    *, template: AuditTemplate, name: str, description: str, rule: str, revision: int | None, actor: Any
) -> AuditTemplate:
    locked = _check_revision(template, revision)
    if rule not in Rule.values:
        raise Invalid.for_field("rule", f"must be one of {', '.join(Rule.values)}")
    before = {"name": locked.name, "description": locked.description, "rule": locked.rule}
    after = {"name": name, "description": description, "rule": rule}
    changed = {k: v for k, v in after.items() if before[k] != v}
    if not changed:
        return locked
    for k, v in changed.items():
        setattr(locked, k, v)
    locked.revision += 1
    locked.save()
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_template.update",
        obj=locked,
        before={k: before[k] for k in changed},
        after=changed,
    )
    return locked


def _clean_question(
    template: AuditTemplate, data: dict[str, Any], *, current: Question | None
) -> dict[str, Any]:
    """The question's fields checked one by one; every problem named by field, nothing written."""
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    code = str(data.get("code", "")).strip()
    if not CODE.match(code):
        problems.append(Problem(("code",), "letters, digits, dots, dashes or underscores, at most 40"))
    elif (
        Question.objects.filter(template=template, code=code)
        .exclude(pk=current.pk if current is not None else 0)
        .exists()
    ):
        problems.append(Problem(("code",), f"the template already has a question {code!r}"))
    out["code"] = code
    text = str(data.get("text", "")).strip()
    if not text:
        problems.append(Problem(("text",), "say what the question asks"))
    elif len(text) > MAX_TEXT_LENGTH:
        problems.append(Problem(("text",), f"at most {MAX_TEXT_LENGTH} characters"))
    out["text"] = text
    out["guidance"] = str(data.get("guidance", "") or "")[:MAX_TEXT_LENGTH]
    element_code = data.get("element")
    element = Element.objects.filter(version=template.framework_version, code=element_code).first()
    if element is None:
        problems.append(Problem(("element",), f"no element {element_code!r} in {template.framework_version}"))
    out["element"] = element
    kind = data.get("kind", AnswerKind.MATURITY)
    if kind not in AnswerKind.values:
        problems.append(Problem(("kind",), f"must be one of {', '.join(AnswerKind.values)}"))
    out["kind"] = kind
    anchors = data.get("anchors") or []
    clean_anchors = []
    if kind == AnswerKind.MATURITY:
        if not isinstance(anchors, list) or not 2 <= len(anchors) <= MAX_ANCHORS:
            problems.append(
                Problem(("anchors",), f"a maturity scale needs 2 to {MAX_ANCHORS} anchors, lowest first")
            )
        else:
            for i, a in enumerate(anchors):
                label = str(a.get("label", "") if isinstance(a, dict) else a).strip()
                description = str(a.get("description", "") if isinstance(a, dict) else "").strip()
                if not label:
                    problems.append(Problem(("anchors", i, "label"), "each score needs a name"))
                clean_anchors.append(
                    {"value": i + 1, "label": label[:120], "description": description[:2000]}
                )
    out["anchors"] = clean_anchors
    for name, default in (("minimum", 0.0), ("maximum", 100.0), ("weight", 1.0)):
        try:
            out[name] = float(data.get(name, default) if data.get(name) not in (None, "") else default)
        except (TypeError, ValueError):
            problems.append(Problem((name,), "must be a number"))
            out[name] = default
    steps = data.get("steps") or []
    try:
        out["steps"] = sorted(float(s) for s in steps) if kind == AnswerKind.NUMBER else []
    except (TypeError, ValueError):
        problems.append(Problem(("steps",), "must be numbers"))
        out["steps"] = []
    out["higher_is_better"] = bool(data.get("higher_is_better", True))
    out["unit"] = str(data.get("unit", "") or "")[:40]
    out["allow_na"] = bool(data.get("allow_na", True))
    if problems:
        raise Invalid(problems)
    # The answer set and weight as the scoring core sees them (a range, anchors, weight ≥ 0).
    probe = Question(template=template, element=element, **{k: out[k] for k in QUESTION_FIELDS})
    try:
        answers = core_questions([probe])[0]
        answers.answers.check("answers")
        if out["weight"] < 0 or out["weight"] != out["weight"] or out["weight"] > 1000:
            raise Invalid([Problem(("weight",), "must be between 0 and 1000")])
    except Invalid as exc:
        raise Invalid(
            Problem((str(p.loc[-1]).split(".")[-1],) if p.loc else (), p.msg) for p in exc.problems
        ) from None
    return out


@transaction.atomic
def audit_question_add(
    *, template: AuditTemplate, data: dict[str, Any], revision: int | None, actor: Any
) -> Question:
    locked = _check_revision(template, revision)
    if Question.objects.filter(template=locked).count() >= MAX_QUESTIONS:
        raise Invalid.for_field(
            "", f"a template holds at most {MAX_QUESTIONS:,} questions (limit MAX_AUDIT_QUESTIONS)"
        )
    values = _clean_question(locked, data, current=None)
    order = (Question.objects.filter(template=locked).aggregate(m=Max("order"))["m"] or 0) + 1
    question = Question.objects.create(template=locked, order=order, **values)
    _bump(locked)
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_question.create",
        obj=question,
        after={
            "code": question.code,
            "text": question.text,
            "kind": question.kind,
            "weight": question.weight,
        },
    )
    return question


@transaction.atomic
def audit_question_update(
    *, question: Question, data: dict[str, Any], revision: int | None, actor: Any
) -> Question:
    locked = _check_revision(question.template, revision)
    merged = {f: getattr(question, f) for f in QUESTION_FIELDS} | {"element": question.element.code} | data
    values = _clean_question(locked, merged, current=question)
    before = {f: getattr(question, f) for f in QUESTION_FIELDS}
    for k, v in values.items():
        setattr(question, k, v)
    question.save()
    _bump(locked)
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_question.update",
        obj=question,
        before={k: v for k, v in before.items() if values.get(k) != v},
        after={k: v for k, v in values.items() if k != "element" and before.get(k) != v},
    )
    return question


@transaction.atomic
def audit_question_delete(*, question: Question, revision: int | None, actor: Any) -> None:
    locked = _check_revision(question.template, revision)
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_question.delete",
        obj=question,
        before={"code": question.code, "text": question.text},
    )
    question.delete()
    _bump(locked)


@transaction.atomic
def audit_template_publish(*, template: AuditTemplate, revision: int | None, actor: Any) -> AuditTemplate:
    """Publish a draft after the same checks the scoring core makes: at least one question, every
    answer set valid, and no element whose weights sum to zero."""
    locked = _check_revision(template, revision)
    questions = list(Question.objects.filter(template=locked).select_related("element"))
    if not questions:
        raise Invalid.for_field("questions", "add at least one question before publishing")
    core.check_template(core_questions(questions))
    locked.status = TemplateStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.revision += 1
    locked.save()
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="audit_template.publish",
        obj=locked,
        after={"label": locked.label, "questions": len(questions)},
    )
    return locked
