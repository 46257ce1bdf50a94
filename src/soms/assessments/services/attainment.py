"""The one place that turns stored judgements and projects into stored attainment.

`soms.core.attainment` holds the rules (pure); this module only feeds it from the database and writes
its answers into `ElementAttainment` / `PersonStanding`. Call `recompute` whenever an input of a
person changes (an assessment or a project validated, a person merged), `recompute_version` when a
version's rules or an organisation's validity override change, and `recompute_due` from the nightly
job (people whose refresh-due or expiry date has come). Every call reads its inputs in a fixed number
of queries, whatever the number of people, and writes in bulk in short transactions of a few people.

A recomputation writes only what changed. A person whose answer is the stored one gets nothing
written, whatever day it runs: the rows' `computed_on` is the day of the computation that gave them
their values, not a value compared (see `PersonStanding.computed_on`: it is what the person's page
shows as "computed …", and stays truthful, since the answer shown was computed that day and holds
until an input changes or its next date comes, each of which recomputes the person).
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from soms.assessments.models import (
    Assessment,
    AttainmentSweep,
    ChangeProject,
    ElementAttainment,
    Judgement,
    PersonStanding,
    ProjectMember,
    SelfLine,
    Status,
    ValidityOverride,
)
from soms.assessments.services.bulkwrite import ids_condition, upsert_rows
from soms.assessments.signals import attainment_written
from soms.core.attainment import (
    AreaSpec,
    AssessmentKind,
    AttainmentBatch,
    AttainmentEngine,
    ChangeProjectRecord,
    FrameworkSpec,
    HistoryEntry,
    JudgementRecord,
    LevelSpec,
    PersonAttainment,
    ProjectStatus,
    StatementSpec,
    history_entry,
    rules_from_data,
)
from soms.core.attainment import Judgement as CoreJudgement
from soms.frameworks.models import Area, Element, FrameworkVersion, Level, Statement, VersionStatus
from soms.people.models import Person

# People read and computed together (a fixed number of queries each); written fewer at a time.
BATCH = 500
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VersionIndex:
    """A version as the engine sees it, plus the ids the database needs to store its answers."""

    version_id: int
    spec: FrameworkSpec
    element_ids: dict[str, int]
    level_ids: dict[str, int]
    level_ranks: dict[str, int]
    statement_codes: dict[int, str]  # statement id → code
    # The rows themselves, in display order, for readers that show names (shared: never modify).
    element_rows: tuple[Element, ...] = ()
    level_rows: tuple[Level, ...] = ()
    statement_rows: dict[int, Statement] = field(default_factory=dict)  # by id, as above


def _read_index(version: FrameworkVersion) -> VersionIndex:
    levels = list(Level.objects.filter(version=version).order_by("rank"))
    elements = list(Element.objects.filter(version=version).order_by("order", "id"))
    element_codes = {e.pk: e.code for e in elements}
    level_codes = {lv.pk: lv.code for lv in levels}
    statement_rows = list(
        Statement.objects.filter(version=version).order_by("element__order", "level__rank", "order", "id")
    )
    statements = [(s.pk, s.code, s.element_id, s.level_id) for s in statement_rows]
    areas = list(Area.objects.filter(version=version).values_list("code", "element_id"))
    spec = FrameworkSpec(
        levels=tuple(LevelSpec(lv.code, lv.rank, lv.validity_months, lv.name) for lv in levels),
        elements=tuple(e.code for e in elements),
        statements=tuple(
            StatementSpec(code, element_codes[el], level_codes[lv]) for _, code, el, lv in statements
        ),
        areas=tuple(AreaSpec(code, element_codes.get(el) if el else None) for code, el in areas),
    )
    return VersionIndex(
        version_id=version.pk,
        spec=spec,
        element_ids={e.code: e.pk for e in elements},
        level_ids={lv.code: lv.pk for lv in levels},
        level_ranks={lv.code: lv.rank for lv in levels},
        statement_codes={pk: code for pk, code, _, _ in statements},
        element_rows=tuple(elements),
        level_rows=tuple(levels),
        statement_rows={s.pk: s for s in statement_rows},
    )


# Compiled versions and engines, per process. A published version's levels, elements, statements
# and areas never change (authoring refuses published versions), so its index is kept by what
# identifies that row for good: id, uuid, creation time and revision (an id alone can come back on
# SQLite after a rolled-back transaction). Its rules can still change (renaming a level rewrites
# them), and an organisation's validity overrides change at any time: an engine is kept per index
# and overrides, with a copy of the rules it was built from, and built again when the rules it is
# asked for differ from those (both are read every time). Drafts are read afresh on every call.
_KEEP = 32
_indexes: OrderedDict[tuple[Any, ...], VersionIndex] = OrderedDict()
_engines: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], AttainmentEngine]] = OrderedDict()
_cache_lock = threading.Lock()


def _version_key(version: FrameworkVersion) -> tuple[Any, ...] | None:
    if version.status != VersionStatus.PUBLISHED or version.pk is None:
        return None
    return (version.pk, version.uuid, version.created_at, version.revision)


def _kept(cache: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    with _cache_lock:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    made = make()
    with _cache_lock:
        cache[key] = made
        while len(cache) > _KEEP:
            cache.popitem(last=False)
    return made


def clear_caches() -> None:
    """Forget every compiled version and engine of this process."""
    with _cache_lock:
        _indexes.clear()
        _engines.clear()


def version_index(version: FrameworkVersion) -> VersionIndex:
    """The version as the engine sees it; kept in the process for a published version."""
    key = _version_key(version)
    if key is None:
        return _read_index(version)
    index: VersionIndex = _kept(_indexes, key, lambda: _read_index(version))
    return index


def overrides_for(organisation_id: int, version: FrameworkVersion) -> dict[str, int | None]:
    """The organisation's validity per level code of the version: one plain query, read on every
    person's page and every recomputation (Django composed the join for longer than it ran)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.code, o.validity_months FROM {qn(ValidityOverride._meta.db_table)} o "
            f"JOIN {qn(Level._meta.db_table)} l ON l.id = o.level_id "
            "WHERE o.organisation_id = %s AND l.version_id = %s",
            [organisation_id, version.pk],
        )
        return {code: months for code, months in cursor.fetchall()}


def engine_for(
    organisation_id: int, version: FrameworkVersion, *, overrides: dict[str, int | None] | None = None
) -> tuple[AttainmentEngine, VersionIndex]:
    """The engine of this version with the organisation's validity overrides, and the version's
    index. The overrides are one query every time (unless the caller read them with its own rows:
    `overrides`, what `overrides_for` answers); the rest is kept for a published version."""
    index = version_index(version)
    if overrides is None:
        overrides = overrides_for(organisation_id, version)
    rules = version.rules or {}

    def make() -> AttainmentEngine:
        return AttainmentEngine(index.spec, rules_from_data(rules), overrides)

    key = _version_key(version)
    if key is None:
        return make(), index
    # (Rules compared as data, not serialised to text: that cost a person's page more than its
    # queries did.)
    engine_key = (key, tuple(sorted(overrides.items())))
    with _cache_lock:
        found = _engines.get(engine_key)
        if found is not None and found[0] == rules:
            _engines.move_to_end(engine_key)
            return found[1], index
    engine = make()
    with _cache_lock:
        _engines[engine_key] = (copy.deepcopy(rules), engine)
        while len(_engines) > _KEEP:
            _engines.popitem(last=False)
    return engine, index


def _judgement_rows(
    person_ids: Sequence[int], index: VersionIndex, *, validated_only: bool
) -> tuple[dict[int, tuple[int, date | None, AssessmentKind]], list[tuple[Any, ...]]]:
    """The people's assessments on the version, as assessment id → (person, validated on or None,
    kind), and the rows (assessment id, statement id, value, judgement id) of their judgements."""
    qn = connection.ops.quote_name
    assessments, judgements = qn(Assessment._meta.db_table), qn(Judgement._meta.db_table)
    among, params = ids_condition(person_ids)
    where = f"a.version_id = %s AND a.person_id {among}"
    params = [index.version_id, *params]
    validated = Status.VALIDATED.value
    if validated_only:
        where += " AND a.status = %s AND a.validated_on IS NOT NULL"
        params.append(validated)
    kinds = {k.value: k for k in AssessmentKind}
    # Plain queries: the ORM's `__in` of hundreds of ids cost more than the database did. One row per
    # assessment, so the dates are converted once per assessment rather than once per judgement;
    # the judgements read raw (without Judgement's default ordering, which joins statements,
    # elements and levels: the engine orders histories itself), since per-row converters dominate at
    # tens of thousands of people.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.id, a.person_id, a.validated_on, a.kind, a.status FROM {assessments} a WHERE {where}",
            params,
        )
        heads = {
            pk: (person_id, _day_value(on) if status == validated else None, kinds[kind])
            for pk, person_id, on, kind, status in cursor.fetchall()
        }
        if not heads:
            return {}, []
        cursor.execute(
            f"SELECT j.assessment_id, j.statement_id, j.value, j.id FROM {judgements} j "
            f"JOIN {assessments} a ON a.id = j.assessment_id WHERE {where}",
            params,
        )
        return heads, cursor.fetchall()


def judgements_by_person(
    person_ids: Sequence[int], index: VersionIndex, *, validated_only: bool = True
) -> dict[int, list[JudgementRecord]]:
    heads, rows = _judgement_rows(person_ids, index, validated_only=validated_only)
    values = {v.value: v for v in CoreJudgement}
    codes = index.statement_codes
    out: dict[int, list[JudgementRecord]] = defaultdict(list)
    for assessment_id, statement_id, value, pk in rows:
        code = codes.get(statement_id)
        if code is None:
            continue
        person_id, on, kind = heads[assessment_id]
        out[person_id].append(
            JudgementRecord(statement=code, judgement=values[value], validated_on=on, kind=kind, seq=pk)
        )
    return out


def histories_by_person(
    person_ids: Sequence[int], index: VersionIndex, evaluator: AttainmentBatch
) -> dict[int, dict[str, list[HistoryEntry]]]:
    """What `judgements_by_person` reads, as `AttainmentBatch.evaluate_histories` takes it: per
    person and statement the entries of the validated judgements up to the evaluator's `now` (a
    recomputation of 50,000 people reads a million judgements; no record is built per judgement)."""
    heads, rows = _judgement_rows(person_ids, index, validated_only=True)
    now = evaluator.now
    # An entry is (validated on, seq, then what the judgement's value decides): that tail per value.
    tails = {v.value: evaluator.history_entry(v, date.min, 0)[2:] for v in CoreJudgement}
    days = {pk: _as_date(on) for pk, (_, on, _) in heads.items() if on is not None}
    codes = index.statement_codes
    out: dict[int, dict[str, list[HistoryEntry]]] = defaultdict(dict)
    for assessment_id, statement_id, value, pk in rows:
        code = codes.get(statement_id)
        on = days.get(assessment_id)
        if code is None or on is None or on > now:
            continue
        mine = out[heads[assessment_id][0]]
        found = mine.get(code)
        entry: HistoryEntry = (on, pk, *tails[value])
        if found is None:
            mine[code] = [entry]
        else:
            found.append(entry)
    return out


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def projects_by_person(
    person_ids: Sequence[int], index: VersionIndex
) -> dict[int, list[ChangeProjectRecord]]:
    """Each person's validated change projects on this version: those they own and those of which
    they are a named member."""
    qn = connection.ops.quote_name
    projects, members = qn(ChangeProject._meta.db_table), qn(ProjectMember._meta.db_table)
    among, ids = ids_condition(person_ids)
    # Plain queries, as `_judgement_rows`.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.code, p.status, p.areas, p.completed_on, p.validated_on, p.owner_id "
            f"FROM {projects} p WHERE p.version_id = %s AND p.review_status = %s AND (p.owner_id {among} "
            f"OR p.id IN (SELECT m.project_id FROM {members} m WHERE m.person_id {among}))",
            [index.version_id, Status.VALIDATED.value, *ids, *ids],
        )
        found = cursor.fetchall()
        owners: dict[int, set[int]] = defaultdict(set)
        for pk, *_, owner_id in found:
            if owner_id is not None:
                owners[pk].add(owner_id)
        if found:
            within, params = ids_condition([row[0] for row in found])
            cursor.execute(f"SELECT project_id, person_id FROM {members} WHERE project_id {within}", params)
            for project_id, person_id in cursor.fetchall():
                owners[project_id].add(person_id)
    wanted = set(person_ids)
    out: dict[int, list[ChangeProjectRecord]] = defaultdict(list)
    for pk, code, status, areas, completed_on, validated_on, _ in found:
        record = _project_record(code, status, areas, _day_value(completed_on), _day_value(validated_on))
        for person_id in owners[pk] & wanted:
            out[person_id].append(record)
    return out


def _project_record(
    code: str, status: str, areas: Any, completed_on: date | None, validated_on: date | None
) -> ChangeProjectRecord:
    """A project row read raw as the engine takes it (`areas`: the JSON column, text on SQLite)."""
    listed = json.loads(areas) if isinstance(areas, str | bytes) else areas
    return ChangeProjectRecord(
        id=code,
        status=ProjectStatus(status),
        areas=frozenset(str(a) for a in (listed or [])),
        completed_on=completed_on,
        validated_on=validated_on,
    )


def _day_value(value: Any) -> date | None:
    if value is None:
        return None
    return _as_date(value) if isinstance(value, date) else date.fromisoformat(str(value))


_inputs_sql: dict[tuple[str, bool, bool], str] = {}
_JUDGEMENT_VALUES = {v.value: v for v in CoreJudgement}
_KINDS = {k.value: k for k in AssessmentKind}


def _write_inputs_sql(validated_only: bool, of_kind: bool) -> str:
    """`person_inputs`' query, written once per process and database: judgements (0) then projects
    (1), in shared columns (statement id, judgement id, value or project code, assessment kind,
    status, validated on, completed on, areas)."""
    qn = connection.ops.quote_name
    judgements, assessments = qn(Judgement._meta.db_table), qn(Assessment._meta.db_table)
    projects, members = qn(ChangeProject._meta.db_table), qn(ProjectMember._meta.db_table)
    only = " AND a.status = %s AND a.validated_on IS NOT NULL" if validated_only else ""
    if of_kind:
        only += " AND a.kind = %s"
    sql = _inputs_sql[(connection.vendor, validated_only, of_kind)] = (
        "SELECT 0, j.statement_id, j.id, j.value, a.kind, a.status, a.validated_on, NULL, NULL "
        f"FROM {judgements} j JOIN {assessments} a ON a.id = j.assessment_id "
        "WHERE a.person_id = %s AND a.version_id = %s" + only + " UNION ALL "
        "SELECT 1, NULL, NULL, p.code, NULL, p.status, p.validated_on, p.completed_on, p.areas "
        f"FROM {projects} p WHERE p.version_id = %s AND p.review_status = %s AND (p.owner_id = %s "
        f"OR p.id IN (SELECT m.project_id FROM {members} m WHERE m.person_id = %s))"
    )
    return sql


def person_inputs(
    person_id: int,
    index: VersionIndex,
    *,
    validated_only: bool = True,
    kind: AssessmentKind | None = None,
) -> tuple[list[JudgementRecord], list[ChangeProjectRecord]]:
    """One person's judgements (only those of assessments of `kind`, when given) and validated
    change projects (owned or as a named member) on the version, in one plain query: what
    `judgements_by_person` and `projects_by_person` answer for one person, without composing their
    ORM queries (which cost a person's page more than the database does)."""
    validated = Status.VALIDATED.value
    of_kind = kind is not None
    sql = _inputs_sql.get((connection.vendor, validated_only, of_kind)) or _write_inputs_sql(
        validated_only, of_kind
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                person_id,
                index.version_id,
                *([validated] if validated_only else []),
                *([str(kind)] if of_kind else []),
                index.version_id,
                validated,
                person_id,
                person_id,
            ],
        )
        found = cursor.fetchall()
    values, kinds, codes = _JUDGEMENT_VALUES, _KINDS, index.statement_codes
    records, done = [], []
    for what, statement_id, pk, value, kind, status, on, completed_on, areas in found:
        if what == 0:
            if statement_id in codes:
                records.append(
                    JudgementRecord(
                        statement=codes[statement_id],
                        judgement=values[value],
                        validated_on=_day_value(on) if status == validated else None,
                        kind=kinds[kind],
                        seq=pk,
                    )
                )
            continue
        done.append(_project_record(value, status, areas, _day_value(completed_on), _day_value(on)))
    return records, done


def evaluate(
    person_id: int, organisation_id: int, version: FrameworkVersion, at: date | None = None
) -> PersonAttainment:
    """A person's attainment at `at` (today by default), computed, not read from the stored rows:
    what `soms attainment show --at DATE` and the history views need."""
    engine, index = engine_for(organisation_id, version)
    judgements, projects = person_inputs(person_id, index)
    return engine.evaluate(judgements, projects, at or timezone.localdate())


def evaluate_self(
    person_id: int,
    organisation_id: int,
    version: FrameworkVersion,
    at: date | None = None,
    *,
    overrides: dict[str, int | None] | None = None,
) -> tuple[dict[str, str | None], bool]:
    """Per element code, the level the person's own self-assessment would give if it were validated
    (the "self" line beside "attained"), and whether there is any self-assessment at all. Certifies
    nothing. `overrides`: as `engine_for` takes them. The levels alone, through the engine's
    levels-only path: a person's page reads the line it keeps (`SelfLine`, computed by `self_line`
    through the full evaluation), and the tests hold that line to this one."""
    engine, index = engine_for(organisation_id, version, overrides=overrides)
    now = at or timezone.localdate()
    histories, projects, judged, _ = _self_inputs(person_id, index, now)
    return engine.held_levels_of_histories(histories, projects, now), judged


def self_line(
    person_id: int,
    organisation_id: int,
    version: FrameworkVersion,
    now: date,
    *,
    overrides: dict[str, int | None] | None = None,
) -> tuple[dict[str, str | None], bool, date | None]:
    """`evaluate_self`, and the first day after `now` on which time alone could change its levels:
    the earliest refresh or expiry of an element of the self line (a validated self judgement's
    validity running out), or an input dated after `now` coming due. What `SelfLine` stores."""
    engine, index = engine_for(organisation_id, version, overrides=overrides)
    histories, projects, judged, later = _self_inputs(person_id, index, now)
    result = engine.batch(now).evaluate_histories(histories, projects)
    days = [d for d in (_next_change(result), later) if d is not None]
    return result.levels(), judged, min(days) if days else None


def self_line_inputs(
    version_revision: int,
    overrides: dict[str, int | None],
    assessments: Iterable[tuple[Any, ...]],
    projects: Iterable[tuple[Any, ...]],
) -> str:
    """The fingerprint `SelfLine.line["inputs"]` holds: the version's revision, the organisation's
    validity overrides, and the person's self-assessments and validated change projects on the
    version as rows of plain values (ids, revisions, statuses, days), in a fixed order."""

    def plain(row: tuple[Any, ...]) -> list[Any]:
        return [v.isoformat() if isinstance(v, date) else v for v in row]

    return json.dumps(
        [
            version_revision,
            sorted(overrides.items()),
            sorted(plain(r) for r in assessments),
            sorted(plain(r) for r in projects),
        ],
        separators=(",", ":"),
    )


def stored_self_line(line: Any, inputs: str, now: date) -> tuple[dict[str, str | None], bool] | None:
    """A stored `SelfLine.line` (as read: a dict, or its JSON text on SQLite) when it was computed
    from `inputs` and still holds on `now`: its levels and whether there is any self judgement."""
    if line is None:
        return None
    try:
        if isinstance(line, str | bytes):
            line = json.loads(line)
        if not isinstance(line, dict) or line.get("inputs") != inputs:
            return None
        until, levels, judged = line.get("until"), line.get("levels"), line.get("judged")
        if until is not None and now >= date.fromisoformat(until):
            return None
    except (TypeError, ValueError):
        return None  # (not a line this code wrote: computed again, and stored over)
    if not isinstance(levels, dict) or not isinstance(judged, bool):
        return None
    return levels, judged


def store_self_line(
    organisation_id: int,
    person_id: int,
    version_id: int,
    inputs: str,
    levels: dict[str, str | None],
    judged: bool,
    until: date | None,
) -> None:
    """Keep a self line its reader computed (see `SelfLine`). A store that fails (a database busy
    beyond its timeout, a read-only connection) leaves the next reader to compute it again."""
    line = {
        "inputs": inputs,
        "until": until.isoformat() if until else None,
        "levels": levels,
        "judged": judged,
    }
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            upsert_rows(
                cursor,
                SelfLine,
                ("organisation_id", "person_id", "version_id", "line"),
                ("person_id", "version_id"),
                [(organisation_id, person_id, version_id, json.dumps(line, separators=(",", ":")))],
            )
    except DatabaseError:
        log.warning("the self line of person %s on version %s was not stored", person_id, version_id)


def _self_inputs(
    person_id: int, index: VersionIndex, now: date
) -> tuple[dict[str, list[HistoryEntry]], list[ChangeProjectRecord], bool, date | None]:
    """What `soms.core.attainment.self_levels` evaluates for the person, read the way `person_inputs`
    reads (its one query, only self-assessments), built as the engine's histories without a record
    per judgement (which cost a person's page more than its queries): each self judgement up to
    `now` as if validated (on `now` when not yet), each completed project up to `now` as if validated
    on completion when not yet; whether the person has any self judgement at all; and the earliest
    day after `now` of an input left out for being later."""
    validated = Status.VALIDATED.value
    sql = _inputs_sql.get((connection.vendor, False, True)) or _write_inputs_sql(False, True)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                person_id,
                index.version_id,
                str(AssessmentKind.SELF),
                index.version_id,
                validated,
                person_id,
                person_id,
            ],
        )
        found = cursor.fetchall()
    values, codes = _JUDGEMENT_VALUES, index.statement_codes
    histories: dict[str, list[HistoryEntry]] = {}
    projects: list[ChangeProjectRecord] = []
    judged = False
    later: date | None = None
    for what, statement_id, pk, value, _kind, status, on, completed_on, areas in found:
        if what == 0:
            code = codes.get(statement_id)
            if code is None:
                continue
            judged = True
            day = (_day_value(on) if status == validated else None) or now
            if day > now:
                later = day if later is None or day < later else later
                continue
            entry = history_entry(values[value], day, pk)
            found_history = histories.get(code)
            if found_history is None:
                histories[code] = [entry]
            else:
                found_history.append(entry)
            continue
        done_on = _day_value(completed_on)
        if status != ProjectStatus.COMPLETED.value or done_on is None:
            continue
        on_day = _day_value(on) or done_on
        if done_on > now or on_day > now:
            # (Counted from the later of the two days: the engine uses a project from its validation.)
            later = min(d for d in (later, max(done_on, on_day)) if d is not None)
            if done_on > now:
                continue
        projects.append(_project_record(value, status, areas, done_on, on_day))
    return histories, projects, judged, later


# --- the stored detail -------------------------------------------------------------------------
#
# `ElementAttainment.detail` holds what the columns do not: the lapsed level, the next level and what
# is missing for it, without empty values (a recomputation of 50,000 people rewrites up to 350,000
# rows, and the full `as_json()` shape was four fifths of each row). `stored_detail` gives readers
# the full shape back, from the row's columns and its detail; rows written in the full shape earlier
# read the same.
_COLUMN_KEYS = frozenset({"element", "level", "since", "refresh_due_on", "expires_on", "status"})
_MISSING_STATEMENT_KEYS = ("statement", "reason", "judgement", "validated_on", "expired_on")


def compact_detail(full: dict[str, Any]) -> dict[str, Any]:
    """`ElementAttainment.as_json()` as stored: no column values, no empty values."""
    out = {k: v for k, v in full.items() if v is not None and k not in _COLUMN_KEYS}
    missing = out.get("missing")
    if missing:
        kept = {k: v for k, v in missing.items() if v is not None}
        kept["statements"] = [{k: v for k, v in m.items() if v is not None} for m in missing["statements"]]
        out["missing"] = kept
    return out


def stored_missing(missing: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored detail's `missing` in its full shape (what `stored_detail` gives back for it)."""
    if missing is None:
        return None
    return {
        "level": missing.get("level"),
        "statements": [
            {k: m.get(k) for k in _MISSING_STATEMENT_KEYS} for m in missing.get("statements") or []
        ],
        "statements_needed": missing.get("statements_needed", 0),
        "project": missing.get("project"),
    }


def stored_detail(
    detail: dict[str, Any] | None,
    *,
    element: str,
    level: str | None,
    status: str,
    since: date | None,
    refresh_due_on: date | None,
    expires_on: date | None,
) -> dict[str, Any]:
    """A stored row as `ElementAttainment.as_json()` (the `--json` shape): its columns and its detail."""
    d = detail or {}
    missing = stored_missing(d.get("missing"))
    return {
        "element": element,
        "level": level,
        "since": since.isoformat() if since else None,
        "refresh_due_on": refresh_due_on.isoformat() if refresh_due_on else None,
        "expires_on": expires_on.isoformat() if expires_on else None,
        "status": status,
        "lapsed_level": d.get("lapsed_level"),
        "lapsed_on": d.get("lapsed_on"),
        "next_level": d.get("next_level"),
        "missing": missing,
    }


def _next_change(result: PersonAttainment) -> date | None:
    dates = [
        d
        for e in result.elements
        for d in (e.refresh_due_on, e.expires_on)
        if d is not None and d > result.as_of
    ]
    return min(dates) if dates else None


# The stored columns of an answer, in the order of the rows `recompute` builds.
_ATTAINMENT_COLUMNS = (
    "organisation_id",
    "person_id",
    "version_id",
    "element_id",
    "level_id",
    "rank",
    "status",
    "since",
    "refresh_due_on",
    "expires_on",
    "detail",
    "computed_on",
)
_STANDING_COLUMNS = (
    "organisation_id",
    "person_id",
    "version_id",
    "standing",
    "computed_on",
    "next_change_on",
    "inputs_read_at",
)


def _announce(organisation_id: int, version_id: int, person_ids: list[int]) -> None:
    if not person_ids:
        return  # nothing of anyone's element rows was written: nothing derived from them to refresh
    attainment_written.send(
        None, organisation_id=organisation_id, version_id=version_id, person_ids=sorted(set(person_ids))
    )


def _pause(since: float) -> None:
    """Between two of a recomputation's write transactions: a writer of another organisation waiting
    in SQLite's busy handler polls for the lock, and would miss it if the next batch took it back
    at once. Sleeps what is left of `SOMS_ATTAINMENT_WRITE_PAUSE_MS` since `since` (when the last
    write transaction ended): the reading and computing done meanwhile, with no transaction open,
    count towards it. Inside a caller's transaction the batches are savepoints: nothing to wait for."""
    wanted = settings.SOMS_ATTAINMENT_WRITE_PAUSE_MS / 1000
    if wanted and not connection.in_atomic_block:
        left = wanted - (time.perf_counter() - since)
        if left > 0:
            time.sleep(left)


class _Superseded(Exception):
    """A recomputation of everyone that began reading after this call is under way: it covers
    everyone this call would still write, read later, so this call writes no more."""


# The stored values of an element row, in the order of its columns in the rows `recompute` builds
# (after organisation, person, version and element; before `computed_on`).
_VALUE_COLUMNS = ("level_id", "rank", "status", "since", "refresh_due_on", "expires_on", "detail")


def _stored_rows(
    cursor: Any, version_id: int, people: Sequence[int], *, lock: bool = False
) -> tuple[dict[int, tuple[Any, ...]], dict[tuple[int, int], tuple[Any, ...]]]:
    """These people's stored answer on the version, raw (in the database's types, as `recompute`
    builds its rows): person → (standing, computed_on, next_change_on), and (person, element) → the
    `_VALUE_COLUMNS`. With `lock`, their standing rows are locked for this transaction (PostgreSQL;
    SQLite's write transaction holds the whole database)."""
    if not people:
        return {}, {}
    qn = connection.ops.quote_name
    # SQLite's driver turns a date column into a date; `recompute` holds dates as the database's
    # text (`adapt_datefield_value`), which an expression (no declared type) reads back as it is.
    text = connection.vendor == "sqlite"

    def day(column: str) -> str:
        return f"CAST({qn(column)} AS TEXT)" if text else qn(column)

    among, ids = ids_condition(people)
    tail = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    cursor.execute(
        f"SELECT person_id, standing, {day('computed_on')}, {day('next_change_on')} "
        f"FROM {qn(PersonStanding._meta.db_table)} WHERE version_id = %s AND person_id {among}" + tail,
        [version_id, *ids],
    )
    standings = {pid: tuple(rest) for pid, *rest in cursor.fetchall()}
    dates = {"since", "refresh_due_on", "expires_on"}
    cursor.execute(
        f"SELECT person_id, element_id, {', '.join(day(c) if c in dates else qn(c) for c in _VALUE_COLUMNS)} "
        f"FROM {qn(ElementAttainment._meta.db_table)} WHERE version_id = %s AND person_id {among}",
        [version_id, *ids],
    )
    elements = {(pid, eid): tuple(rest) for pid, eid, *rest in cursor.fetchall()}
    return standings, elements


class _Compare:
    """Whether computed rows hold what is stored. The JSON detail is compared as text first (what
    this module wrote reads back the same on SQLite), then as values, each text parsed once per call
    (PostgreSQL's jsonb gives its own spacing and key order back; most people share a few texts)."""

    def __init__(self) -> None:
        self._parsed: dict[Any, Any] = {}

    def _value(self, detail: Any) -> Any:
        if not isinstance(detail, str | bytes):
            return detail
        found = self._parsed.get(detail)
        if found is None:
            found = self._parsed[detail] = json.loads(detail)
        return found

    def same(self, old: tuple[Any, ...] | None, values: tuple[Any, ...]) -> bool:
        """Stored `_VALUE_COLUMNS` (or None) beside computed ones."""
        if old is None:
            return False
        return old == values or (old[:6] == values[:6] and self._value(old[6]) == self._value(values[6]))

    def changed_rows(
        self, pid: int, rows: list[tuple[Any, ...]], stored: dict[tuple[int, int], tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """The rows among `rows` (one person's) whose values differ from the stored ones (or that
        are not stored); `computed_on` is not compared."""
        return [row for row in rows if not self.same(stored.get((pid, row[3])), row[4:11])]


def _same_standing(old: tuple[Any, ...] | None, row: tuple[Any, ...]) -> bool:
    """A stored standing (as `_stored_rows` reads it) beside a computed row of `_STANDING_COLUMNS`."""
    return old is not None and old[0] == row[3] and old[2] == row[5]


def _sweep_begins(organisation_id: int, version_id: int, read_at: int) -> None:
    """Record that a recomputation of everyone of the organisation on the version begins reading at
    `read_at`, before it reads anything. A write transaction of any recomputation checks this after
    its writes (`_write`), so one that began earlier either committed before this (and is read
    below) or sees it and rolls back. On PostgreSQL the standing table is locked in SHARE mode for
    this one short transaction, which waits for the write transactions in flight to commit: none of
    them can have checked before this was recorded and commit after it."""
    qn = connection.ops.quote_name
    sweeps = qn(AttainmentSweep._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {qn(PersonStanding._meta.db_table)} IN SHARE MODE")
        cursor.execute(
            f"INSERT INTO {sweeps} (organisation_id, version_id, read_at) VALUES (%s, %s, %s) "
            f"ON CONFLICT (organisation_id, version_id) DO UPDATE SET read_at = excluded.read_at "
            f"WHERE {sweeps}.read_at < excluded.read_at",
            [organisation_id, version_id, read_at],
        )


def _write(
    organisation_id: int,
    version_id: int,
    people: list[int],
    erased: set[int],
    rows: dict[int, list[tuple[Any, ...]]],
    standings: dict[int, tuple[Any, ...]],
    read_at: int,
    *,
    recheck: bool,
) -> list[int]:
    """One short write transaction: these people's rows, prepared beforehand. Answers the people
    whose element rows it wrote or deleted (what Insights' rollups count).

    A person whose stored rows were written by a recomputation that began reading after this one
    (their assessment was validated meanwhile, and its own recomputation came first) keeps them: the
    standing row is a compare-and-set on `inputs_read_at`, and only the people whose standing row
    this call now holds get their element rows. With `recheck` (a recomputation of named people) the
    stored rows are read first, inside the transaction: only the element rows that differ are
    written, and a person whose answer is unchanged keeps their standing as it was but for
    `inputs_read_at`, which an older call writing late must lose to. Without it (a recomputation of
    everyone) the caller passed only the people and rows that differ from what it read before: an
    older call cannot write after it (`_sweep_begins`), and a later one wins on `inputs_read_at`.
    Whichever: when a recomputation of everyone began reading after this call, all of it rolls back
    and `_Superseded` is raised."""
    gone = [pid for pid in people if pid in erased]
    live = [pid for pid in people if pid not in erased]
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if gone:
            ElementAttainment.objects.filter(version_id=version_id, person_id__in=gone).delete()
            PersonStanding.objects.filter(version_id=version_id, person_id__in=gone).delete()
        held: set[int] = set()
        if live:
            if recheck:
                old_standings, old_elements = _stored_rows(cursor, version_id, live, lock=True)
                compare = _Compare()
                for pid in live:
                    rows[pid] = compare.changed_rows(pid, rows[pid], old_elements)
                    old = old_standings.get(pid)
                    if old is not None and not rows[pid] and _same_standing(old, standings[pid]):
                        # The same answer: its day stays the day it was computed.
                        row = standings[pid]
                        standings[pid] = (*row[:4], old[1], *row[5:])
            upsert_rows(
                cursor,
                PersonStanding,
                _STANDING_COLUMNS,
                ("person_id", "version_id"),
                [standings[pid] for pid in live],
                newer="inputs_read_at",
            )
            # (Raw: the ORM's `__in` preparation of a hundred ids cost more than the query, inside the lock.)
            among, params = ids_condition(live)
            cursor.execute(
                f"SELECT person_id FROM {qn(PersonStanding._meta.db_table)} WHERE version_id = %s "
                f"AND inputs_read_at = %s AND person_id {among}",
                [version_id, read_at, *params],
            )
            held = {pid for (pid,) in cursor.fetchall()}
            upsert_rows(
                cursor,
                ElementAttainment,
                _ATTAINMENT_COLUMNS,
                ("person_id", "version_id", "element_id"),
                [row for pid in live if pid in held for row in rows[pid]],
                ignore=("computed_on",),
            )
        cursor.execute(
            f"SELECT read_at FROM {qn(AttainmentSweep._meta.db_table)} "
            "WHERE organisation_id = %s AND version_id = %s",
            [organisation_id, version_id],
        )
        sweep = cursor.fetchone()
        if sweep is not None and sweep[0] > read_at:
            raise _Superseded
    return gone + [pid for pid in live if pid in held and rows[pid]]


def recompute(
    person_ids: Iterable[int],
    version: FrameworkVersion,
    organisation_id: int,
    now: date | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute and store the attainment of these people (of one organisation) on `version`.
    Answers how many people were recomputed (written, or found unchanged and left alone).

    The engine evaluates the people through one `AttainmentBatch`, so an element input shared by many
    people (the same statements met on the same day) is evaluated once, and its stored columns (the
    JSON detail above all) are built once too. Each `BATCH` of people is read with no transaction
    open, then computed and written in short transactions of whole people and about
    `SOMS_ATTAINMENT_WRITE_ROWS` element rows, computed before each, a pause
    (`SOMS_ATTAINMENT_WRITE_PAUSE_MS`, SQLite, which the reading and computing of the next ones fill)
    between them: at 50,000 people no transaction holds SQLite's one write lock for long. Only rows
    whose values differ are written (their `computed_on` then becomes `now`); a person whose answer
    is unchanged keeps their rows and their day, and only their standing's `inputs_read_at` is
    written (see `_write`; `recompute_everyone` writes not even that). A person recomputed meanwhile
    by a call that began later keeps what that call wrote. `progress(done, total)` follows each
    write. What derives from the stored rows (Insights' rollups) is refreshed for the people whose
    element rows were written, once per call.

    After a failure, the people written so far keep their new rows and the others their old ones;
    the next recomputation of them (the job run again) finishes the work."""
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    # Before anything is read, the rules and overrides included: a change that commits after this
    # starts its own recomputation, which reads later and so wins over this one's writes.
    read_at = time.time_ns()
    return _recompute(ids, version, organisation_id, now, read_at, everyone=False, progress=progress)


def recompute_everyone(
    version: FrameworkVersion,
    organisation_id: int,
    now: date | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """`recompute` of everyone of the organisation with anything on `version` (`people_with_inputs`),
    after a rule or validity change: a person whose answer is unchanged gets nothing written at all
    (a no-op recomputation of 50,000 people writes no row and refreshes no rollup). What lets it:
    it records when it began reading (`AttainmentSweep`) before it reads who the people are, and any
    recomputation that began earlier writes no more once it is recorded, so none can replace, late,
    a row this one found right and left alone. (A recomputation of named people cannot do the same,
    since it does not cover everyone: it writes the `inputs_read_at` of an unchanged person.)"""
    read_at = time.time_ns()
    _sweep_begins(organisation_id, version.pk, read_at)
    ids = people_with_inputs(version, organisation_id)
    if not ids:
        return 0
    return _recompute(ids, version, organisation_id, now, read_at, everyone=True, progress=progress)


def _recompute(
    ids: list[int],
    version: FrameworkVersion,
    organisation_id: int,
    now: date | None,
    read_at: int,
    *,
    everyone: bool,
    progress: Callable[[int, int], None] | None,
) -> int:
    today = now or timezone.localdate()
    engine, index = engine_for(organisation_id, version)
    evaluator = engine.batch(today)
    ops = connection.ops
    day = ops.adapt_datefield_value
    computed_on = day(today)
    # id(answer) → its stored columns. The evaluator's memo keeps every answer alive for the whole
    # call, so an id is never reused for another answer while this table exists.
    stored: dict[int, tuple[Any, ...]] = {}
    element_ids = [index.element_ids[code] for code in index.spec.elements]
    per_write = max(1, settings.SOMS_ATTAINMENT_WRITE_ROWS)
    compare = _Compare()
    done = 0  # people computed (and written, or found unchanged) so far
    reported = 0
    changed: list[int] = []  # people whose element rows were written or deleted
    # The people to write next, their rows, and how many element rows they come to.
    pending: list[int] = []
    rows: dict[int, list[tuple[Any, ...]]] = {}
    standings: dict[int, tuple[Any, ...]] = {}
    pending_rows = 0
    erased: set[int] = set()
    last_write: float | None = None

    def flush() -> None:
        nonlocal pending_rows, last_write, reported
        if not pending:
            return
        if last_write is not None:
            _pause(last_write)
        changed.extend(
            _write(
                organisation_id,
                index.version_id,
                pending,
                erased,
                rows,
                standings,
                read_at,
                recheck=not everyone,
            )
        )
        last_write = time.perf_counter()
        pending.clear()
        rows.clear()
        standings.clear()
        pending_rows = 0
        if progress is not None:
            progress(done, len(ids))
            reported = done

    def add(pid: int, size: int) -> None:
        # Whole people, at most `per_write` element rows a transaction (one person alone may be more).
        nonlocal pending_rows
        if pending and pending_rows + size > per_write:
            flush()
        pending.append(pid)
        pending_rows += size

    try:
        with connection.cursor() as cursor:
            for start in range(0, len(ids), BATCH):
                batch = ids[start : start + BATCH]
                # An erased person holds nothing: their rows go below and none are written for them
                # (their anonymised history stays).
                among, params = ids_condition(batch)
                cursor.execute(
                    f"SELECT id FROM {ops.quote_name(Person._meta.db_table)} "
                    f"WHERE erased_at IS NOT NULL AND id {among}",
                    params,
                )
                erased.update(pid for (pid,) in cursor.fetchall())
                histories = histories_by_person(batch, index, evaluator)
                projects = projects_by_person(batch, index)
                # A recomputation of everyone compares with the stored rows here, with no transaction
                # open, and writes only the people who differ (see `_write`).
                old_standings, old_elements = (
                    _stored_rows(cursor, index.version_id, batch) if everyone else ({}, {})
                )
                holding = {pid for pid, _ in old_elements} if everyone else set()
                for pid in batch:
                    # Computed with no transaction open (in the previous write's pause), then written.
                    if pid in erased:
                        if not everyone or pid in old_standings or pid in holding:
                            add(pid, len(element_ids))
                        done += 1
                        continue
                    result = evaluator.evaluate_histories(histories.get(pid, {}), projects.get(pid, ()))
                    mine = []
                    for element_id, e in zip(element_ids, result.elements, strict=True):
                        columns = stored.get(id(e))
                        if columns is None:
                            columns = stored[id(e)] = (
                                index.level_ids[e.level] if e.level else None,
                                index.level_ranks[e.level] if e.level else 0,
                                e.status.value,
                                day(e.since),
                                day(e.refresh_due_on),
                                day(e.expires_on),
                                json.dumps(compact_detail(e.as_json()), separators=(",", ":")),
                            )
                        # A recomputation of everyone keeps only the rows that differ from the stored.
                        if everyone and compare.same(old_elements.get((pid, element_id)), columns):
                            continue
                        mine.append(
                            (organisation_id, pid, index.version_id, element_id, *columns, computed_on)
                        )
                    standing = (
                        organisation_id,
                        pid,
                        index.version_id,
                        result.standing or "",
                        computed_on,
                        day(_next_change(result)),
                        read_at,
                    )
                    if everyone and not mine and _same_standing(old_standings.get(pid), standing):
                        done += 1
                        continue  # the same answer: nothing written, nothing refreshed
                    add(pid, max(1, len(mine)))
                    rows[pid] = mine
                    standings[pid] = standing
                    done += 1
                if progress is not None and not pending and reported < done:
                    progress(done, len(ids))
                    reported = done
        flush()
        if progress is not None and reported < done:
            progress(done, len(ids))
    except _Superseded:
        log.info(
            "attainment on version %s of organisation %s: a recomputation of everyone that began later "
            "took over after %s of %s people",
            index.version_id,
            organisation_id,
            done,
            len(ids),
        )
    except BaseException:
        # Batches written before the failure stay written: what is derived from them is refreshed
        # too, without hiding the failure (a refresh that fails as well is only logged).
        try:
            _announce(organisation_id, index.version_id, changed)
        except Exception:
            log.exception("refreshing what derives from the attainment written before a failure")
        raise
    # Once per call, not per batch: what derives from the stored rows (Insights' unit rollups) is
    # refreshed in one pass, a rebuild when the call covered much of the organisation.
    _announce(organisation_id, index.version_id, changed)
    return done


def people_with_inputs(version: FrameworkVersion, organisation_id: int) -> list[int]:
    """Everyone of the organisation with anything that could count on `version`, or a stored row."""
    ids: set[int] = set(
        Assessment.objects.filter(organisation_id=organisation_id, version=version).values_list(
            "person_id", flat=True
        )
    )
    ids |= set(
        ChangeProject.objects.filter(
            organisation_id=organisation_id, version=version, owner__isnull=False
        ).values_list("owner_id", flat=True)
    )
    ids |= set(
        ProjectMember.objects.filter(organisation_id=organisation_id, project__version=version).values_list(
            "person_id", flat=True
        )
    )
    ids |= set(
        PersonStanding.objects.filter(organisation_id=organisation_id, version=version).values_list(
            "person_id", flat=True
        )
    )
    return sorted(i for i in ids if i is not None)


def recompute_version(
    version: FrameworkVersion, organisation_id: int | None = None, now: date | None = None
) -> int:
    """After the version's rules or an organisation's validity override changed: everyone affected
    (of one organisation, or of every organisation that has people on the version)."""
    if organisation_id is not None:
        orgs = [organisation_id]
    else:
        orgs = sorted(
            set(Assessment.objects.filter(version=version).values_list("organisation_id", flat=True))
            | set(ChangeProject.objects.filter(version=version).values_list("organisation_id", flat=True))
            | set(PersonStanding.objects.filter(version=version).values_list("organisation_id", flat=True))
        )
    return sum(recompute_everyone(version, org, now) for org in orgs)


def recompute_due(now: date | None = None) -> int:
    """The nightly pass: recompute the people whose next refresh-due or expiry date has come."""
    today = now or timezone.localdate()
    due: dict[tuple[int, int], list[int]] = defaultdict(list)
    for org, version_id, person_id in PersonStanding.objects.filter(next_change_on__lte=today).values_list(
        "organisation_id", "version_id", "person_id"
    ):
        due[(org, version_id)].append(person_id)
    total = 0
    versions = FrameworkVersion.objects.in_bulk([v for _, v in due])
    for (org, version_id), people in sorted(due.items()):
        total += recompute(people, versions[version_id], org, today)
    return total


def recompute_assessment(assessment: Assessment) -> int:
    """After an assessment was validated (or superseded): its person on its version."""
    return recompute([assessment.person_id], assessment.version, assessment.organisation_id)


def recompute_project(project: ChangeProject) -> int:
    """After a change project was validated or changed: its owner and its named members."""
    ids = list(ProjectMember.objects.filter(project=project).values_list("person_id", flat=True))
    if project.owner_id is not None:
        ids.append(project.owner_id)
    return recompute(ids, project.version, project.organisation_id)
