"""Carrying validated judgements from one framework version to the next. Pure.

When an organisation moves its people to a new version, what they showed on the old one should not
be lost, and nothing they did not show may be invented. The framework's authors record, per old
statement, how it lives on (`StatementMapping`: same, reworded, moved, split, merged, removed). This
module applies those mappings to one person's validated judgements.

Rules, and why
--------------
1. **Only validated judgements carry**, and of each old statement only the one that stands (the
   latest validated, as in `soms.core.attainment` rule 1). Drafts and unvalidated self-assessments
   stay on the old version: they never counted there either.
2. **A carried judgement keeps its validation date, kind and judgement.** Moving to a new version is
   not a refresher: the validity clock keeps running from the day the person was validated, so a
   version change can neither refresh nor shorten anyone's level.
3. **same, reworded, moved** (one old statement onto one new one): the judgement carries as it is,
   "not yet" and "partly" included, because the author says the person would show the same thing.
4. **split** (one old statement onto several new ones): the judgement carries to every successor.
   Showing the whole showed each part; if the author thinks a part is genuinely new, it should be
   mapped as a new statement, not as part of a split.
5. **merged** (several old statements onto one new one), and more generally **any new statement that
   more than one old statement maps onto**, whatever kinds were recorded: it carries only when every
   one of those old statements stands validated as "met"; it then carries as "met" with the
   *earliest* of their validation dates (the oldest evidence, as attainment counts validity) and the
   highest `seq` among them. A single mapping recorded as merged is read the same way (its one source
   must be met). Otherwise it is to be re-assessed, naming the sources that were not met
   or never assessed. Why all, not any: the new statement asks for everything the old ones asked.
6. **removed**: nothing carries; the old statement is listed in `dropped`.
7. Every new statement that receives no carried judgement is listed **to re-assess**, with the reason:
   it is new (no old statement maps onto it), its sources were never assessed, or a merge is
   incomplete. Old judgements whose statement has no mapping at all are listed in `dropped` too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from soms.core.attainment import Judgement, JudgementRecord
from soms.core.errors import RuleInputError
from soms.core.framework_diff import MappingKind

__all__ = [
    "CarriedJudgement",
    "CarryOver",
    "MappingKind",
    "ReassessReason",
    "StatementMap",
    "ToReassess",
    "carry_over",
]

_ONE_TO_ONE = {MappingKind.SAME, MappingKind.REWORDED, MappingKind.MOVED, MappingKind.SPLIT}
_ORDER = {Judgement.NOT_YET: 0, Judgement.PARTLY: 1, Judgement.MET: 2}


@dataclass(frozen=True)
class StatementMap:
    """One stored mapping row: old statement code -> new statement code (None exactly for removed)."""

    from_statement: str
    to_statement: str | None
    kind: MappingKind


class ReassessReason(StrEnum):
    NEW = "new"  # no old statement maps onto it
    NOT_ASSESSED = "not_assessed"  # its old statements have no validated judgement
    MERGE_INCOMPLETE = "merge_incomplete"  # several sources, not all of them met


@dataclass(frozen=True)
class CarriedJudgement:
    judgement: JudgementRecord  # on the new statement, ready for the new version's attainment
    sources: tuple[str, ...]  # the old statements it came from
    kind: MappingKind


@dataclass(frozen=True)
class ToReassess:
    statement: str  # new statement code
    reason: ReassessReason
    sources: tuple[str, ...] = ()  # old statements mapped onto it
    not_met: tuple[str, ...] = ()  # of those, the ones not validated as met

    def describe(self) -> str:
        if self.reason == ReassessReason.NEW:
            return "New in this version."
        if self.reason == ReassessReason.NOT_ASSESSED:
            return f"Not assessed on the previous version ({', '.join(self.sources)})."
        return f"Merged from {', '.join(self.sources)}; not met on the previous version: {', '.join(self.not_met)}."


@dataclass(frozen=True)
class CarryOver:
    carried: tuple[CarriedJudgement, ...]
    to_reassess: tuple[ToReassess, ...]
    dropped: tuple[str, ...]  # old statements with a validated judgement that carries nowhere

    def judgements(self) -> list[JudgementRecord]:
        return [c.judgement for c in self.carried]


def carry_over(
    *,
    mappings: Iterable[StatementMap],
    judgements: Iterable[JudgementRecord],
    new_statements: Sequence[str],
) -> CarryOver:
    """One person's validated judgements on the old version, carried along `mappings` onto the new
    version whose statement codes are `new_statements` (in display order). Raises `RuleInputError`
    for a mapping that names a statement the new version does not have, or whose kind and target
    disagree (removed exactly when there is no target)."""
    new_set = set(new_statements)
    sources: dict[str, list[StatementMap]] = defaultdict(list)  # new code -> mappings onto it
    for i, m in enumerate(mappings):
        if (m.to_statement is None) != (m.kind == MappingKind.REMOVED):
            raise RuleInputError(
                f"mappings[{i}].kind", "use 'removed' exactly when there is no new statement"
            )
        if m.to_statement is not None:
            if m.to_statement not in new_set:
                raise RuleInputError(
                    f"mappings[{i}].to_statement", f"no statement {m.to_statement!r} in the new version"
                )
            sources[m.to_statement].append(m)

    standing: dict[str, JudgementRecord] = {}
    for j in judgements:
        if j.validated_on is None:
            continue
        key = (j.validated_on, j.seq, -_ORDER[j.judgement])
        held = standing.get(j.statement)
        if held is None or key > (held.validated_on, held.seq, -_ORDER[held.judgement]):
            standing[j.statement] = j

    carried: list[CarriedJudgement] = []
    to_reassess: list[ToReassess] = []
    used: set[str] = set()
    for code in new_statements:
        onto = sorted(sources.get(code, []), key=lambda m: m.from_statement)
        if not onto:
            to_reassess.append(ToReassess(code, ReassessReason.NEW))
            continue
        names = tuple(dict.fromkeys(m.from_statement for m in onto))
        found = [standing[n] for n in names if n in standing]
        if not found:
            to_reassess.append(ToReassess(code, ReassessReason.NOT_ASSESSED, names))
            continue
        if len(names) == 1 and onto[0].kind in _ONE_TO_ONE:
            source = found[0]
            carried.append(CarriedJudgement(replace(source, statement=code), names, onto[0].kind))
            used.add(names[0])
            continue
        not_met = tuple(n for n in names if n not in standing or standing[n].judgement != Judgement.MET)
        if not_met:
            to_reassess.append(ToReassess(code, ReassessReason.MERGE_INCOMPLETE, names, not_met))
            continue
        earliest = min(found, key=lambda j: (j.validated_on, j.seq))
        merged = replace(earliest, statement=code, seq=max(j.seq for j in found))
        carried.append(CarriedJudgement(merged, names, MappingKind.MERGED))
        used.update(names)

    # Sources of an incomplete merge did carry nowhere, but they are not "dropped": the merge names them.
    in_merges = {n for t in to_reassess for n in t.sources}
    dropped = tuple(sorted(s for s in standing if s not in used and s not in in_merges))
    return CarryOver(tuple(carried), tuple(to_reassess), dropped)
