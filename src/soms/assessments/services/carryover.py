"""Moving people from one framework version to a newer one, on top of `soms.core.carryover`.

`plan_carry_over` reads each person's validated judgements on the old version and the statement
mappings the framework's authors recorded (old statement → new statement, same / reworded / moved /
split / merged / removed), and answers, per person, what carries and what is to re-assess. Nothing
is written. `apply_carry_over` writes what carries as validated assessments on the new version:

- one assessment per source assessment (same person, kind, assessor and validator), marked
  `imported_from = "carry-over from CODE LABEL (#id)"`, each judgement keeping its **original
  validation date** (the core's rule 2: a version change neither refreshes nor shortens a level;
  a merged statement carries with the earliest of its sources' dates), with a comment naming the
  old statements it came from;
- an `AssessmentEvent` (imported) per assessment, one summary row in the audit log;
- then the people's attainment on the new version is recomputed (a job when they are many).

The old version's assessments and attainment are not touched: they stay in the person's history.
A person already carried from that version to that one is skipped (running it twice changes nothing).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from soms.assessments.models import Assessment, AssessmentEvent, EventAction, Judgement, Status
from soms.assessments.services.attainment import judgements_by_person, people_with_inputs, version_index
from soms.core.carryover import CarriedJudgement, MappingKind, StatementMap, ToReassess, carry_over
from soms.core.problems import Invalid
from soms.frameworks.models import FrameworkVersion, StatementMapping, VersionStatus
from soms.people.models import Person
from soms.tenancy.audit import AuditAction
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_summary


def marker(source: FrameworkVersion) -> str:
    return f"carry-over from {source.framework.code} {source.label} (#{source.pk})"


def version_by_name(organisation: Organisation, name: str, where: str) -> FrameworkVersion:
    """`CODE:LABEL` (e.g. `soms:2016`): the organisation's own framework of that code before a built-in."""
    code, sep, label = name.partition(":")
    if not sep or not code or not label:
        raise Invalid.for_field(where, f"{name!r}: write the version as CODE:LABEL, e.g. soms:2016")
    found = sorted(
        FrameworkVersion.objects.filter(
            Q(framework__organisation=organisation) | Q(framework__organisation__isnull=True),
            framework__code=code,
            label=label,
        ).select_related("framework"),
        key=lambda v: v.framework.organisation_id is None,
    )
    if not found:
        raise Invalid.for_field(where, f"no framework version {code} {label!r} here")
    return found[0]


def versions_for(organisation: Organisation) -> list[FrameworkVersion]:
    """Published versions the organisation may move between (its own and the built-ins)."""
    return list(
        FrameworkVersion.objects.filter(
            Q(framework__organisation=organisation) | Q(framework__organisation__isnull=True),
            status=VersionStatus.PUBLISHED,
        )
        .select_related("framework")
        .order_by("framework__name", "-published_at", "-id")
    )


@dataclass
class PersonCarry:
    person_id: int
    label: str
    carried: list[CarriedJudgement] = field(default_factory=list)
    to_reassess: list[ToReassess] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    already: bool = False  # carried from this version before: skipped


@dataclass
class CarryPlan:
    source: FrameworkVersion
    target: FrameworkVersion
    people: list[PersonCarry]
    mappings: int
    statement_ids: dict[str, int]  # new statement code → id
    origin: dict[int, int] = field(default_factory=dict)  # source judgement id → its assessment id

    def groups(self, person: PersonCarry) -> dict[tuple[int, dt.date], list[CarriedJudgement]]:
        """A person's carried judgements by (source assessment, validation date): one new
        validated assessment each."""
        out: dict[tuple[int, dt.date], list[CarriedJudgement]] = defaultdict(list)
        for c in person.carried:
            assert c.judgement.validated_on is not None
            out[(self.origin[c.judgement.seq], c.judgement.validated_on)].append(c)
        return dict(sorted(out.items(), key=lambda kv: (kv[0][1], kv[0][0])))

    def summary(self, limit: int = 200) -> dict[str, Any]:
        todo = [p for p in self.people if not p.already]
        return {
            "source": f"{self.source.framework.code} {self.source.label}",
            "target": f"{self.target.framework.code} {self.target.label}",
            "source_id": self.source.pk,
            "target_id": self.target.pk,
            "mappings": self.mappings,
            "people": len(self.people),
            "already": sum(1 for p in self.people if p.already),
            "carried": sum(len(p.carried) for p in todo),
            "assessments": sum(len(self.groups(p)) for p in todo),
            "to_reassess": sum(len(p.to_reassess) for p in todo),
            "items": [
                {
                    "person_id": p.person_id,
                    "person": p.label,
                    "already": p.already,
                    "carried": len(p.carried),
                    "carried_statements": [c.judgement.statement for c in p.carried],
                    "to_reassess": [t.statement for t in p.to_reassess],
                    "reasons": {t.statement: t.describe() for t in p.to_reassess},
                    "dropped": p.dropped,
                }
                for p in self.people[:limit]
            ],
        }


def plan_carry_over(
    *,
    organisation: Organisation,
    source: FrameworkVersion,
    target: FrameworkVersion,
    person_ids: list[int] | None = None,
) -> CarryPlan:
    """What would carry from `source` to `target` for these people (default: everyone of the
    organisation with inputs on `source`). Raises `Invalid` for versions that cannot be moved between."""
    if source.pk == target.pk:
        raise Invalid.for_field("to", "choose a different version to move to")
    if target.status != VersionStatus.PUBLISHED:
        raise Invalid.for_field("to", f"{target.framework.code} {target.label} is a draft: publish it first")
    rows = list(
        StatementMapping.objects.filter(to_version=target, from_statement__version=source).values_list(
            "from_statement__code", "to_statement__code", "kind"
        )
    )
    if not rows:
        raise Invalid.for_field(
            "to",
            f"no statement mappings are recorded from {source.framework.code} {source.label} to "
            f"{target.framework.code} {target.label}: record them with Map statements on the new version",
        )
    mappings = [StatementMap(f, t, MappingKind(k)) for f, t, k in rows]
    ids = sorted(
        set(person_ids) if person_ids is not None else set(people_with_inputs(source, organisation.pk))
    )
    people = {
        p.pk: p
        for p in Person.objects.filter(organisation=organisation, pk__in=ids).only(
            "pk", "employee_id", "name"
        )
    }
    ids = [i for i in ids if i in people]
    index = version_index(source)
    target_index = version_index(target)
    new_codes = [s.code for s in target_index.spec.statements]
    judgements = judgements_by_person(ids, index) if ids else {}
    done = set(
        Assessment.objects.filter(
            organisation=organisation, version=target, person_id__in=ids, imported_from=marker(source)
        ).values_list("person_id", flat=True)
    )
    out = []
    for pid in ids:
        person = people[pid]
        label = f"{person.employee_id} {person.name}"
        if pid in done:
            out.append(PersonCarry(pid, label, already=True))
            continue
        result = carry_over(mappings=mappings, judgements=judgements.get(pid, []), new_statements=new_codes)
        out.append(
            PersonCarry(pid, label, list(result.carried), list(result.to_reassess), list(result.dropped))
        )
    seqs = {c.judgement.seq for p in out for c in p.carried}
    return CarryPlan(
        source=source,
        target=target,
        people=out,
        mappings=len(mappings),
        statement_ids={code: pk for pk, code in target_index.statement_codes.items()},
        origin=dict(Judgement.objects.filter(pk__in=seqs).values_list("pk", "assessment_id")) if seqs else {},
    )


def apply_carry_over(
    plan: CarryPlan, *, organisation: Organisation, actor: Any, enqueue: bool = True
) -> dict[str, Any]:
    """Write what carries (all or nothing), then recompute the people's attainment on the target."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    todo = [p for p in plan.people if not p.already and p.carried]
    sources = Assessment.objects.in_bulk(set(plan.origin.values()))
    tag = marker(plan.source)
    planned: list[tuple[Assessment, list[CarriedJudgement]]] = []
    for p in todo:
        for (source_id, on), carried in plan.groups(p).items():
            src = sources[source_id]
            noon = timezone.make_aware(dt.datetime.combine(on, dt.time(12)))
            planned.append(
                (
                    Assessment(
                        organisation_id=organisation.pk,
                        person_id=p.person_id,
                        version_id=plan.target.pk,
                        kind=src.kind,
                        assessor_id=src.assessor_id,
                        assessor_person_id=src.assessor_person_id,
                        status=Status.VALIDATED,
                        submitted_at=noon,
                        validated_at=noon,
                        validated_on=on,
                        validated_by_id=src.validated_by_id,
                        validated_by_person_id=src.validated_by_person_id,
                        imported_from=tag,
                        created_by=user,
                    ),
                    carried,
                )
            )
    with transaction.atomic():
        made = Assessment.objects.bulk_create([a for a, _ in planned], batch_size=1000)
        Judgement.objects.bulk_create(
            (
                Judgement(
                    organisation_id=organisation.pk,
                    assessment_id=a.pk,
                    statement_id=plan.statement_ids[c.judgement.statement],
                    value=c.judgement.judgement.value,
                    comment=f"Carried from {', '.join(c.sources)} ({c.kind.value}) on {plan.source.framework.code} {plan.source.label}.",
                )
                for a, (_, carried) in zip(made, planned, strict=True)
                for c in carried
            ),
            batch_size=2000,
        )
        AssessmentEvent.objects.bulk_create(
            (
                AssessmentEvent(
                    organisation_id=organisation.pk,
                    assessment_id=a.pk,
                    action=EventAction.IMPORT,
                    actor=user,
                    reason=f"Carried over from {plan.source.framework.code} {plan.source.label}; "
                    "validation dates kept.",
                )
                for a in made
            ),
            batch_size=2000,
        )
        audit_log_summary(
            actor=user,
            organisation=organisation,
            action=AuditAction.ATTAINMENT_CARRY_OVER,
            object_type="Assessment",
            names=[p.label for p in todo],
            details={
                "from": plan.source.pk,
                "to": plan.target.pk,
                "judgements": sum(len(p.carried) for p in todo),
                "to_reassess": sum(len(p.to_reassess) for p in todo),
            },
        )
    from soms.assessments.services.validity import recompute_people

    touched = {plan.target.pk: {p.person_id for p in todo}}
    jobs = recompute_people(
        organisation=organisation,
        touched=touched,
        actor=user,
        title=f"Carry over to {plan.target.framework.code} {plan.target.label}",
        enqueue=enqueue,
    )
    return {
        "people": len(todo),
        "assessments": len(made),
        "judgements": sum(len(p.carried) for p in todo),
        "jobs": [j.pk for j in jobs],
    }
