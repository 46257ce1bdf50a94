"""The attainment engine, by hand-worked examples (each says what a coach would expect) and properties."""

from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from soms.core.attainment import (
    AreaSpec,
    AssessmentKind,
    AttainmentEngine,
    ChangeProjectRecord,
    ChangeProjectRule,
    FrameworkSpec,
    Judgement,
    JudgementRecord,
    LevelSpec,
    MissingReason,
    ProjectStatus,
    Rules,
    StandingRule,
    StatementSpec,
    Status,
    add_months,
    compute_attainment,
    confidence,
    history_entry,
    rules_from_data,
    self_levels,
    self_view,
)
from soms.core.errors import RuleInputError

F, P, S = "foundation", "practitioner", "senior-practitioner"
MET, PARTLY, NOT_YET = Judgement.MET, Judgement.PARTLY, Judgement.NOT_YET


def soms_like(validity: dict[str, int | None] | None = None) -> FrameworkSpec:
    """Three elements as in SOMS: cx and dl with two Foundation statements, pc with one each."""
    validity = validity or {}
    levels = tuple(LevelSpec(code, rank, validity.get(code)) for rank, code in enumerate((F, P, S), 1))
    statements = []
    for el, prefix, per_level in (("cx", "CX", 2), ("dl", "DL", 2), ("pc", "PC", 1)):
        for lv, letter in ((F, "F"), (P, "P")):
            statements += [StatementSpec(f"{prefix}-{letter}{i}", el, lv) for i in range(1, per_level + 1)]
        statements.append(StatementSpec(f"{prefix}-S1", el, S))
    return FrameworkSpec(levels=levels, elements=("cx", "dl", "pc"), statements=tuple(statements))


SOMS_RULES = Rules(
    change_project=ChangeProjectRule(level=S, min_areas=2, must_address_element=True),
    standing=(
        StandingRule("Senior Practitioner", S),
        StandingRule("Practitioner", P),
        StandingRule("Foundation", F),
    ),
)


def ok(statement: str, on: date, judgement: Judgement = MET, **kw: object) -> JudgementRecord:
    return JudgementRecord(statement, judgement, on, **kw)  # type: ignore[arg-type]


def project(pid: str, areas: set[str], *, on: date, status: ProjectStatus = ProjectStatus.COMPLETED):
    return ChangeProjectRecord(pid, status, frozenset(areas), completed_on=on, validated_on=on)


def run(judgements, projects=(), *, now: date, framework=None, rules=SOMS_RULES, overrides=None):
    return compute_attainment(
        framework=framework or soms_like(),
        rules=rules,
        judgements=judgements,
        projects=projects,
        now=now,
        validity_overrides=overrides,
    )


D1 = date(2024, 1, 15)
CX_F = [ok("CX-F1", D1), ok("CX-F2", D1)]
CX_P = [ok("CX-P1", D1), ok("CX-P2", D1)]


# --- hand-worked examples --------------------------------------------------------------------------


def test_foundation_is_held_when_every_foundation_statement_is_met_and_validated():
    cx = run(CX_F, now=date(2024, 3, 1)).element("cx")
    assert (cx.level, cx.since, cx.status, cx.expires_on) == (F, D1, Status.HELD, None)
    assert cx.next_level == P
    assert [m.statement for m in cx.missing.statements] == ["CX-P1", "CX-P2"]
    assert {m.reason for m in cx.missing.statements} == {MissingReason.NOT_ASSESSED}


def test_one_statement_missing_means_the_level_is_not_held_and_names_the_statement():
    cx = run(CX_F[:1] + [ok("CX-F2", D1, PARTLY)], now=date(2024, 3, 1)).element("cx")
    assert (cx.level, cx.status) == (None, Status.NONE)
    (missing,) = cx.missing.statements
    assert (missing.statement, missing.reason, missing.judgement) == ("CX-F2", MissingReason.NOT_MET, PARTLY)
    assert cx.missing.statements_needed == 1


def test_an_unvalidated_self_assessment_never_certifies():
    self_met = [JudgementRecord(s, MET, None, AssessmentKind.SELF) for s in ("CX-F1", "CX-F2")]
    assert run(self_met, now=date(2024, 3, 1)).element("cx").level is None
    # Once someone allowed validates the same self-assessment, it counts.
    validated = [dataclasses.replace(j, validated_on=D1) for j in self_met]
    assert run(validated, now=date(2024, 3, 1)).element("cx").level == F


def test_a_later_validated_not_yet_supersedes_an_earlier_met():
    later = date(2024, 6, 1)
    cx = run([*CX_F, ok("CX-F2", later, NOT_YET)], now=date(2024, 7, 1)).element("cx")
    # Withdrawn by judgement, not by time: no level, and not "expired".
    assert (cx.level, cx.status, cx.lapsed_level) == (None, Status.NONE, None)
    # Before the re-assessment it was held, and "as at" that date says so.
    assert run([*CX_F, ok("CX-F2", later, NOT_YET)], now=date(2024, 5, 31)).element("cx").level == F


def test_same_day_ties_are_broken_by_seq_then_by_the_less_favourable_judgement():
    tie = [ok("CX-F1", D1), ok("CX-F2", D1, seq=2), ok("CX-F2", D1, NOT_YET, seq=1)]
    assert run(tie, now=D1).element("cx").level == F
    equal = [ok("CX-F1", D1), ok("CX-F2", D1), ok("CX-F2", D1, NOT_YET)]
    assert run(equal, now=D1).element("cx").level is None
    assert run(list(reversed(equal)), now=D1).element("cx").level is None


def test_levels_are_cumulative_practitioner_needs_foundation():
    cx = run(CX_P, now=date(2024, 3, 1)).element("cx")
    assert cx.level is None and cx.next_level == F
    non_cumulative = dataclasses.replace(SOMS_RULES, cumulative_levels=False)
    assert run(CX_P, now=date(2024, 3, 1), rules=non_cumulative).element("cx").level == P


def test_senior_practitioner_needs_a_completed_validated_project_addressing_the_element_and_two_areas():
    base = [*CX_F, *CX_P, ok("CX-S1", D1)]
    now = date(2024, 6, 1)
    cx = run(base, now=now).element("cx")
    assert cx.level == P and cx.next_level == S
    need = cx.missing.project
    assert (need.best_project, need.more_areas) == (None, 2)
    assert cx.missing.statements == ()
    assert "addresses cx" in need.describe()

    one_area = run(base, [project("p1", {"cx"}, on=D1)], now=now).element("cx")
    assert one_area.level == P
    assert (one_area.missing.project.best_project, one_area.missing.project.more_areas) == ("p1", 1)

    elsewhere = run(base, [project("p2", {"dl", "pc"}, on=D1)], now=now).element("cx")
    assert elsewhere.level == P  # two areas, but not this element

    unknown_area = run(base, [project("p3", {"cx", "not-an-element"}, on=D1)], now=now).element("cx")
    assert unknown_area.level == P  # codes that are not areas do not count

    two = run(base, [project("p4", {"cx", "dl"}, on=D1)], now=now)
    assert two.element("cx").level == S
    assert two.element("cx").missing is None and two.element("cx").next_level is None
    # The same project counts for dl too, but dl's statements are not met.
    assert two.element("dl").level is None


def test_a_project_counts_only_once_completed_and_validated_by_now():
    base = [*CX_F, *CX_P, ok("CX-S1", D1)]
    now = date(2024, 6, 1)
    running = project("p", {"cx", "dl"}, on=D1, status=ProjectStatus.IN_PROGRESS)
    assert run(base, [running], now=now).element("cx").level == P
    unvalidated = ChangeProjectRecord("p", ProjectStatus.COMPLETED, frozenset({"cx", "dl"}), D1, None)
    assert run(base, [unvalidated], now=now).element("cx").level == P
    later = ChangeProjectRecord("p", ProjectStatus.COMPLETED, frozenset({"cx", "dl"}), D1, date(2024, 7, 1))
    assert run(base, [later], now=now).element("cx").level == P
    cx = run(base, [later], now=date(2024, 7, 1)).element("cx")
    assert (cx.level, cx.since) == (S, date(2024, 7, 1))  # Practitioner since D1, Senior since the project


def test_sub_areas_count_declared_areas_and_one_must_belong_to_the_element():
    fw = dataclasses.replace(
        soms_like(),
        areas=(AreaSpec("cx-journeys", "cx"), AreaSpec("cx-complaints", "cx"), AreaSpec("dl-map", "dl")),
    )
    rules = dataclasses.replace(SOMS_RULES, areas="sub_areas")
    base = [*CX_F, *CX_P, ok("CX-S1", D1)]
    now = date(2024, 6, 1)
    assert (
        run(base, [project("p", {"cx-journeys", "cx-complaints"}, on=D1)], now=now, framework=fw, rules=rules)
        .element("cx")
        .level
        == S
    )
    assert (
        run(base, [project("p", {"dl-map", "cx"}, on=D1)], now=now, framework=fw, rules=rules)
        .element("cx")
        .level
        == P
    )


def test_validity_refresh_due_and_expiry_dates():
    fw = soms_like({F: 24})
    held = run(CX_F, now=D1, framework=fw).element("cx")
    # Held on the very day it was validated (not expired on the day it was earned).
    assert (held.status, held.expires_on, held.refresh_due_on) == (
        Status.HELD,
        date(2026, 1, 15),
        date(2025, 10, 15),
    )
    assert run(CX_F, now=date(2025, 10, 14), framework=fw).element("cx").status == Status.HELD
    assert run(CX_F, now=date(2025, 10, 15), framework=fw).element("cx").status == Status.REFRESH_DUE
    assert run(CX_F, now=date(2026, 1, 14), framework=fw).element("cx").level == F
    gone = run(CX_F, now=date(2026, 1, 15), framework=fw).element("cx")
    assert (gone.level, gone.status, gone.lapsed_level, gone.lapsed_on) == (
        None,
        Status.EXPIRED,
        F,
        date(2026, 1, 15),
    )
    assert {m.reason for m in gone.missing.statements} == {MissingReason.EXPIRED}


def test_validity_counts_from_the_oldest_evidence_of_the_level():
    fw = soms_like({F: 24})
    mixed = [ok("CX-F1", date(2024, 1, 1)), ok("CX-F2", date(2025, 1, 1))]
    cx = run(mixed, now=date(2025, 2, 1), framework=fw).element("cx")
    assert (cx.since, cx.expires_on) == (date(2025, 1, 1), date(2026, 1, 1))
    # Re-validating only the newer statement does not refresh the older one.
    again = run([*mixed, ok("CX-F2", date(2025, 6, 1))], now=date(2025, 7, 1), framework=fw).element("cx")
    assert again.expires_on == date(2026, 1, 1)


def test_a_refresher_before_expiry_keeps_since_and_moves_expiry():
    fw = soms_like({F: 24})
    refresher = [*CX_F, ok("CX-F1", date(2025, 12, 1)), ok("CX-F2", date(2025, 12, 1))]
    cx = run(refresher, now=date(2026, 6, 1), framework=fw).element("cx")
    assert (cx.level, cx.since, cx.expires_on, cx.status) == (F, D1, date(2027, 12, 1), Status.HELD)
    # A refresher after expiry starts a new run.
    late = [*CX_F, ok("CX-F1", date(2026, 3, 1)), ok("CX-F2", date(2026, 3, 1))]
    assert run(late, now=date(2026, 6, 1), framework=fw).element("cx").since == date(2026, 3, 1)


def test_an_expired_foundation_makes_practitioner_not_held():
    fw = soms_like({F: 12})
    evidence = [*CX_F, ok("CX-P1", date(2024, 6, 1)), ok("CX-P2", date(2024, 6, 1))]
    before = run(evidence, now=date(2024, 12, 1), framework=fw).element("cx")
    assert (before.level, before.expires_on) == (P, date(2025, 1, 15))  # Practitioner ends with Foundation
    after = run(evidence, now=date(2025, 2, 1), framework=fw).element("cx")
    assert (after.level, after.status, after.lapsed_level, after.lapsed_on) == (
        None,
        Status.EXPIRED,
        P,
        date(2025, 1, 15),
    )
    assert after.next_level == F


def test_an_organisation_override_replaces_the_framework_validity():
    fw = soms_like({F: 24})
    now = date(2027, 1, 1)
    assert run(CX_F, now=now, framework=fw).element("cx").status == Status.EXPIRED
    assert run(CX_F, now=now, framework=fw, overrides={F: None}).element("cx").status == Status.HELD
    six = run(CX_F, now=date(2024, 3, 1), framework=fw, overrides={F: 6}).element("cx")
    assert six.expires_on == date(2024, 7, 15)
    with pytest.raises(RuleInputError) as err:
        run(CX_F, now=now, framework=fw, overrides={"expert": 6})
    assert err.value.field == "validity_overrides.expert"


def test_standing_follows_the_table():
    every_f = [ok(s, D1) for s in ("CX-F1", "CX-F2", "DL-F1", "DL-F2", "PC-F1")]
    assert run(every_f, now=D1).standing == "Foundation"
    assert run(every_f[:2], now=D1).standing is None
    every_p = every_f + [ok(s, D1) for s in ("CX-P1", "CX-P2", "DL-P1", "DL-P2", "PC-P1")]
    assert run(every_p, now=D1).standing == "Practitioner"
    counted = dataclasses.replace(SOMS_RULES, standing=(StandingRule("Two at Practitioner", P, 2),))
    assert run(every_f + CX_P, now=D1, rules=counted).standing is None
    assert run(every_f + CX_P + [ok("DL-P1", D1), ok("DL-P2", D1)], now=D1, rules=counted).standing == (
        "Two at Practitioner"
    )


def test_at_least_one_statement_when_the_rules_say_so():
    rules = dataclasses.replace(SOMS_RULES, level_requires_all_statements=False)
    cx = run(CX_F[:1], now=D1, rules=rules).element("cx")
    assert cx.level == F


def test_bad_input_names_the_field():
    with pytest.raises(RuleInputError) as err:
        run([ok("XX-1", D1)], now=D1)
    assert err.value.field == "judgements[0].statement"
    bad_rules = dataclasses.replace(SOMS_RULES, standing=(StandingRule("Expert", "expert"),))
    with pytest.raises(RuleInputError) as err:
        run([], now=D1, rules=bad_rules)
    assert err.value.field == "rules.standing[0].level"
    with pytest.raises(RuleInputError) as err:
        run([], now=D1, framework=soms_like({F: 0}))
    assert err.value.field == "levels.foundation.validity_months"


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2024, 5, 15), -3) == date(2024, 2, 15)
    assert add_months(date(9999, 6, 1), 12) == date.max


def test_as_json_has_the_cli_shape():
    out = run(CX_F, now=D1).element("cx").as_json()
    assert {"element", "level", "since", "refresh_due_on", "expires_on", "status", "missing"} <= set(out)
    assert out["since"] == "2024-01-15" and out["status"] == "held"


def test_the_stored_builtin_rules_convert_without_pydantic_in_the_core():
    from soms.frameworks.rules import FrameworkRules

    source = Path(__file__).parents[2] / "src/soms/frameworks/builtin/soms-2016.yaml"
    stored = FrameworkRules.model_validate(yaml.safe_load(source.read_text())["version"]["rules"])
    rules = rules_from_data(stored.model_dump(mode="json"))
    assert rules.change_project == ChangeProjectRule(S, 2, True)
    assert [s.label for s in rules.standing] == ["Senior Practitioner", "Practitioner", "Foundation"]
    assert rules.standing[0].elements == "all"
    with pytest.raises(RuleInputError) as err:
        rules_from_data({"refresh_due_months_before": "three"})
    assert err.value.field == "rules.refresh_due_months_before"


def test_the_engine_imports_neither_django_nor_pydantic():
    code = (
        "import sys, soms.core.attainment; "
        "sys.exit(1 if any(m.split('.')[0] in ('django', 'pydantic') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- properties ------------------------------------------------------------------------------------

# Generating a world is the slow part; on a busy shared machine a fixed deadline would only measure load.
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
START = date(2020, 1, 1)
days = st.integers(min_value=0, max_value=3650).map(lambda n: START + timedelta(days=n))


@st.composite
def worlds(draw):
    """A random framework, rules and one person's record."""
    n_levels = draw(st.integers(1, 4))
    level_codes = [f"L{i}" for i in range(n_levels)]
    levels = tuple(
        LevelSpec(code, i + 1, draw(st.one_of(st.none(), st.integers(1, 48))))
        for i, code in enumerate(level_codes)
    )
    elements = tuple(f"e{i}" for i in range(draw(st.integers(1, 3))))
    statements = []
    for el in elements:
        for lv in level_codes:
            for k in range(draw(st.integers(0, 2))):
                statements.append(StatementSpec(f"{el}-{lv}-{k}", el, lv))
    framework = FrameworkSpec(levels, elements, tuple(statements))
    project_rule = draw(
        st.one_of(
            st.none(),
            st.builds(
                ChangeProjectRule,
                level=st.sampled_from(level_codes),
                min_areas=st.integers(1, 3),
                must_address_element=st.booleans(),
            ),
        )
    )
    rules = Rules(
        cumulative_levels=draw(st.booleans()),
        level_requires_all_statements=draw(st.booleans()),
        change_project=project_rule,
        standing=tuple(
            StandingRule(f"s{i}", draw(st.sampled_from(level_codes)), draw(st.sampled_from(["all", 1, 2])))
            for i in range(draw(st.integers(0, 2)))
        ),
        refresh_due_months_before=draw(st.integers(0, 6)),
    )
    codes = [s.code for s in statements]
    judgements = []
    if codes:
        judgements = draw(
            st.lists(
                st.builds(
                    JudgementRecord,
                    statement=st.sampled_from(codes),
                    judgement=st.sampled_from(list(Judgement)),
                    validated_on=st.one_of(st.none(), days),
                    kind=st.sampled_from(list(AssessmentKind)),
                    seq=st.integers(0, 3),
                ),
                max_size=14,
            )
        )
    projects = draw(
        st.lists(
            st.builds(
                ChangeProjectRecord,
                id=st.sampled_from(["a", "b", "c"]),
                status=st.sampled_from(list(ProjectStatus)),
                areas=st.frozensets(st.sampled_from([*elements, "other"]), max_size=3),
                completed_on=st.one_of(st.none(), days),
                validated_on=st.one_of(st.none(), days),
            ),
            max_size=3,
        )
    )
    now = draw(days)
    return framework, rules, judgements, projects, now


def evaluate(framework, rules, judgements, projects, now):
    return AttainmentEngine(framework, rules).evaluate(judgements, projects, now)


def ranks(framework, result) -> dict[str, int]:
    by_code = {lv.code: lv.rank for lv in framework.levels}
    return {e.element: by_code[e.level] if e.level else 0 for e in result.elements}


def latest_met_fresh(framework, judgements, statement, level, now) -> bool:
    """An independent reading of rules 1-2, for the cumulative property."""
    months = next(lv.validity_months for lv in framework.levels if lv.code == level)
    valid = [j for j in judgements if j.statement == statement and j.validated_on and j.validated_on <= now]
    if not valid:
        return False
    order = {NOT_YET: 0, PARTLY: 1, MET: 2}
    latest = max(valid, key=lambda j: (j.validated_on, j.seq, -order[j.judgement]))
    return latest.judgement == MET and (months is None or now < add_months(latest.validated_on, months))


@PROPERTY
@given(worlds())
def test_property_cumulative_levels_need_every_lower_level_shown(world):
    framework, rules, judgements, projects, now = world
    rules = dataclasses.replace(rules, cumulative_levels=True, level_requires_all_statements=True)
    result = evaluate(framework, rules, judgements, projects, now)
    order = [lv.code for lv in sorted(framework.levels, key=lambda lv: lv.rank)]
    for e in result.elements:
        if e.level is None:
            continue
        for lower in order[: order.index(e.level) + 1]:
            for s in framework.statements:
                if s.element == e.element and s.level == lower:
                    assert latest_met_fresh(framework, judgements, s.code, lower, now)


@PROPERTY
@given(worlds())
def test_property_held_levels_are_the_levels_of_the_full_evaluation(world):
    framework, rules, judgements, projects, now = world
    engine = AttainmentEngine(framework, rules)
    assert (
        engine.held_levels(judgements, projects, now) == engine.evaluate(judgements, projects, now).levels()
    )
    assert (
        self_levels(engine, judgements, projects, now)
        == self_view(engine, judgements, projects, now).levels()
    )


@PROPERTY
@given(worlds())
def test_property_held_levels_of_histories_built_by_the_caller_are_the_held_levels(world):
    framework, rules, judgements, projects, now = world
    engine = AttainmentEngine(framework, rules)
    # What a caller reading its rows raw builds: the entries of the judgements validated by `now`,
    # per statement, in reverse of any order (the engine sorts them).
    histories: dict[str, list] = {}
    for j in reversed(judgements):
        if j.validated_on is not None and j.validated_on <= now:
            histories.setdefault(j.statement, []).append(history_entry(j.judgement, j.validated_on, j.seq))
    assert engine.held_levels_of_histories(histories, projects, now) == engine.held_levels(
        judgements, projects, now
    )


@PROPERTY
@given(worlds(), st.lists(st.tuples(st.integers(0, 50), st.sampled_from(list(Judgement))), max_size=5))
def test_property_unvalidated_judgements_change_nothing(world, extra):
    framework, rules, judgements, projects, now = world
    assume(framework.statements)
    codes = [s.code for s in framework.statements]
    unvalidated = [JudgementRecord(codes[i % len(codes)], j, None, AssessmentKind.SELF) for i, j in extra]
    assert evaluate(framework, rules, judgements + unvalidated, projects, now) == evaluate(*world)


@PROPERTY
@given(worlds(), st.data())
def test_property_removing_a_met_judgement_or_a_project_never_raises_a_level(world, data):
    framework, rules, judgements, projects, now = world
    before = ranks(framework, evaluate(*world))
    mets = [i for i, j in enumerate(judgements) if j.judgement == MET]
    if mets:
        i = data.draw(st.sampled_from(mets))
        fewer = judgements[:i] + judgements[i + 1 :]
        after = ranks(framework, evaluate(framework, rules, fewer, projects, now))
        assert all(after[e] <= before[e] for e in before)
    if projects:
        k = data.draw(st.integers(0, len(projects) - 1))
        after = ranks(
            framework, evaluate(framework, rules, judgements, projects[:k] + projects[k + 1 :], now)
        )
        assert all(after[e] <= before[e] for e in before)


@PROPERTY
@given(worlds())
def test_property_the_project_level_is_never_held_without_a_qualifying_project(world):
    framework, rules, judgements, projects, now = world
    assume(rules.change_project is not None)
    rule = rules.change_project
    rank_of = {lv.code: lv.rank for lv in framework.levels}
    result = evaluate(*world)
    for e in result.elements:
        if e.level is None:
            continue
        needs = rank_of[e.level] >= rank_of[rule.level] if rules.cumulative_levels else e.level == rule.level
        if needs:
            qualifying = [
                p
                for p in projects
                if p.status == ProjectStatus.COMPLETED
                and p.completed_on
                and p.validated_on
                and max(p.completed_on, p.validated_on) <= now
                and len(p.areas & set(framework.elements)) >= rule.min_areas
                and (e.element in p.areas or not rule.must_address_element)
            ]
            assert qualifying


@PROPERTY
@given(st.integers(1, 4), st.integers(0, 4))
def test_property_the_minimum_areas_is_data(min_areas, n_areas):
    fw = FrameworkSpec(
        levels=(LevelSpec("a", 1), LevelSpec("b", 2)),
        elements=tuple(f"e{i}" for i in range(4)),
        statements=(StatementSpec("A", "e0", "a"), StatementSpec("B", "e0", "b")),
    )
    rules = Rules(change_project=ChangeProjectRule("b", min_areas))
    areas = {f"e{i}" for i in range(n_areas)} | {"e0"}
    result = compute_attainment(
        framework=fw,
        rules=rules,
        judgements=[ok("A", D1), ok("B", D1)],
        projects=[project("p", areas, on=D1)],
        now=D1,
    )
    assert (result.element("e0").level == "b") == (len(areas) >= min_areas)


@PROPERTY
@given(worlds(), st.integers(0, 3), st.sampled_from(["all", 1, 2, 3]))
def test_property_the_standing_table_is_data(world, level_index, count):
    framework, rules, judgements, projects, now = world
    order = [lv.code for lv in sorted(framework.levels, key=lambda lv: lv.rank)]
    level = order[min(level_index, len(order) - 1)]
    table = dataclasses.replace(rules, standing=(StandingRule("Chosen", level, count),))
    result = evaluate(framework, table, judgements, projects, now)
    at_or_above = sum(1 for e in result.elements if e.level and order.index(e.level) >= order.index(level))
    wanted = len(framework.elements) if count == "all" else count
    assert (result.standing == "Chosen") == (at_or_above >= wanted)
    # The elements' own results do not depend on the standing table.
    assert result.elements == evaluate(*world).elements


@PROPERTY
@given(worlds(), st.integers(1, 48))
def test_property_a_longer_validity_never_lowers_a_level(world, extra):
    framework, rules, judgements, projects, now = world
    longer = {lv.code: lv.validity_months + extra for lv in framework.levels if lv.validity_months}
    before = ranks(framework, evaluate(*world))
    after = ranks(framework, AttainmentEngine(framework, rules, longer).evaluate(judgements, projects, now))
    assert all(after[e] >= before[e] for e in before)
    never = dict.fromkeys((lv.code for lv in framework.levels), None)
    forever = AttainmentEngine(framework, rules, never).evaluate(judgements, projects, now)
    assert all(e.status != Status.EXPIRED for e in forever.elements)


@PROPERTY
@given(worlds(), st.randoms(use_true_random=False))
def test_property_deterministic_in_now_and_independent_of_input_order(world, rnd: random.Random):
    framework, rules, judgements, projects, now = world
    first = evaluate(*world)
    shuffled = list(judgements)
    rnd.shuffle(shuffled)
    assert evaluate(framework, rules, shuffled, list(reversed(projects)), now) == first
    assert evaluate(*world) == first


@PROPERTY
@given(worlds(), st.integers(0, 2000))
def test_property_moving_now_forward_never_brings_an_expired_level_back(world, later):
    framework, rules, judgements, projects, now = world
    # No evidence arrives between the two dates: everything is dated on or before `now`.
    judgements = [j for j in judgements if j.validated_on is None or j.validated_on <= now]
    projects = [
        p
        for p in projects
        if not (p.completed_on and p.completed_on > now) and not (p.validated_on and p.validated_on > now)
    ]
    first = evaluate(framework, rules, judgements, projects, now)
    second = evaluate(framework, rules, judgements, projects, now + timedelta(days=later))
    before, after = ranks(framework, first), ranks(framework, second)
    for a, b in zip(first.elements, second.elements, strict=True):
        assert after[b.element] <= before[a.element]
        if a.status == Status.EXPIRED:
            assert b.status == Status.EXPIRED


@PROPERTY
@given(worlds())
def test_property_dates_are_consistent(world):
    *_, now = world
    for e in evaluate(*world).elements:
        if e.level is None:
            assert e.since is None and e.expires_on is None
            assert e.status in (Status.NONE, Status.EXPIRED)
            continue
        assert e.since is not None and e.since <= now
        if e.expires_on is not None:
            assert now < e.expires_on and e.refresh_due_on <= e.expires_on
        if e.status == Status.EXPIRED:
            assert e.lapsed_on is not None and e.lapsed_on <= now


# --- blockers, self view, confidence ---------------------------------------------------------------


def test_blockers_list_every_level_up_to_the_required_one():
    engine = AttainmentEngine(soms_like(), SOMS_RULES)
    now = date(2024, 3, 1)
    steps = engine.blockers(CX_F[:1], [], now, element="cx", target=S)
    assert [m.level for m in steps] == [F, P, S]
    assert [m.statement for m in steps[0].statements] == ["CX-F2"]
    assert steps[2].project is not None and steps[2].project.more_areas == 2
    assert engine.blockers(CX_F, [], now, element="cx", target=F) == ()
    assert [m.level for m in engine.blockers(CX_F, [], now, element="cx", target=P)] == [P]
    with pytest.raises(RuleInputError) as err:
        engine.blockers([], [], now, element="cx", target="expert")
    assert err.value.field == "target"


def test_the_self_view_reads_only_self_assessments_and_certifies_nothing():
    engine = AttainmentEngine(soms_like(), SOMS_RULES)
    mine = [JudgementRecord(s, MET, None, AssessmentKind.SELF) for s in ("CX-F1", "CX-F2", "CX-P1", "CX-P2")]
    coach = [ok("CX-F1", D1), ok("CX-F2", D1, NOT_YET)]
    now = date(2024, 3, 1)
    assert engine.evaluate(mine + coach, [], now).element("cx").level is None
    assert self_view(engine, mine + coach, [], now).element("cx").level == P


def test_confidence_sets_the_self_view_beside_the_validated_one():
    judgements = [
        JudgementRecord("CX-F1", MET, None, AssessmentKind.SELF),
        ok("CX-F1", D1, PARTLY),
        JudgementRecord("CX-F2", NOT_YET, None, AssessmentKind.SELF),
        ok("CX-F2", D1, MET, kind=AssessmentKind.MANAGER),
        JudgementRecord("CX-P1", MET, None, AssessmentKind.SELF),
        ok("CX-P2", D1, MET),
        JudgementRecord("DL-F1", PARTLY, None, AssessmentKind.MANAGER),  # unvalidated: not a verdict
    ]
    rows = confidence(judgements, ["CX-F1", "CX-F2", "CX-P1", "CX-P2", "DL-F1"])
    assert [(r.statement, r.confidence.value) for r in rows] == [
        ("CX-F1", "over"),
        ("CX-F2", "under"),
        ("CX-P1", "self_only"),
        ("CX-P2", "validated_only"),
    ]


def test_a_validated_self_assessment_is_the_validated_view_too():
    """Once a coach validates a self-assessment, the profile must not say "self-assessed only"
    beside a level it certifies; a newer draft of the person is their view again."""
    judgements = [
        ok("CX-F1", D1, MET, kind=AssessmentKind.SELF),
        ok("CX-F2", D1, MET, kind=AssessmentKind.SELF),
        JudgementRecord("CX-F2", PARTLY, None, AssessmentKind.SELF),
    ]
    rows = confidence(judgements, ["CX-F1", "CX-F2"])
    assert [(r.statement, r.self_judgement, r.validated, r.confidence.value) for r in rows] == [
        ("CX-F1", MET, MET, "agrees"),
        ("CX-F2", PARTLY, MET, "under"),
    ]


@PROPERTY
@given(worlds(), st.data())
def test_property_no_blockers_exactly_when_the_target_is_held(world, data):
    framework, rules, judgements, projects, now = world
    rules = dataclasses.replace(rules, cumulative_levels=True)
    engine = AttainmentEngine(framework, rules)
    element = data.draw(st.sampled_from(framework.elements))
    target = data.draw(st.sampled_from([lv.code for lv in framework.levels]))
    rank_of = {lv.code: lv.rank for lv in framework.levels}
    held = engine.evaluate(judgements, projects, now).element(element).level
    steps = engine.blockers(judgements, projects, now, element=element, target=target)
    assert (steps == ()) == (held is not None and rank_of[held] >= rank_of[target])
    if steps:
        assert steps[-1].level == target


def test_datetimes_are_read_as_their_day():
    from datetime import datetime

    at = [JudgementRecord(j.statement, j.judgement, datetime(2024, 1, 15, 16, 30)) for j in CX_F]
    late = ChangeProjectRecord(
        "p", ProjectStatus.COMPLETED, frozenset({"cx", "dl"}), datetime(2024, 1, 15, 9), D1
    )
    result = run(at, [late], now=datetime(2024, 1, 15, 8, 0))
    assert (result.element("cx").level, result.element("cx").since) == (F, D1)


@pytest.mark.parametrize(
    "module", ["soms.core.attainment", "soms.core.carryover", "soms.core.gaps", "soms.core.audit_scoring"]
)
def test_the_rule_engines_import_neither_django_nor_pydantic(module):
    code = (
        f"import sys, {module}; "
        "sys.exit(1 if any(m.split('.')[0] in ('django', 'pydantic', 'ninja') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
