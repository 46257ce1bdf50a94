from __future__ import annotations

import pytest

from soms.frameworks.models import Framework, FrameworkVersion
from soms.frameworks.rules import FrameworkRules
from soms.frameworks.selectors.versions import version_document, version_grid
from soms.frameworks.services.authoring import version_publish_problems
from soms.frameworks.services.versions import builtin_frameworks_load, load_builtin_document

pytestmark = pytest.mark.django_db

GROUPS = {
    "Strategic": [
        "strategy-management",
        "relationship-management",
        "risk-management",
        "portfolio-management",
    ],
    "Tactical": [
        "service-level-management",
        "continual-improvement",
        "knowledge-management",
        "supplier-management",
    ],
    "Operational": ["incident-management", "problem-management", "measurement-reporting", "service-desk"],
}


def capability():
    return FrameworkVersion.objects.get(framework__code="smo-capability")


def test_twelve_capabilities_in_three_groups_on_a_five_step_scale(builtin):
    version = capability()
    assert version.framework.kind == "capability" and version.framework.is_builtin and version.is_published
    grid = version_grid(version=version)
    assert grid.groups == list(GROUPS)
    for group, codes in GROUPS.items():
        assert [r.element.code for r in grid.rows if r.element.group == group] == codes
    assert [lv.rank for lv in grid.levels] == [1, 2, 3, 4, 5]
    assert grid.levels[0].name == "1 Initial" and grid.levels[-1].name == "5 Continually improving"
    # Two criteria in every cell, and the version would pass the publish checks.
    assert all(len(cell.statements) == 2 for row in grid.rows for cell in row.cells)
    assert version_publish_problems(version=version) == []


def test_rules_want_a_specialist_and_a_backup_and_all_criteria(builtin):
    rules = FrameworkRules.model_validate(capability().rules)
    assert rules.level_requires_all_statements and rules.cumulative_levels
    assert rules.expectations is not None
    assert rules.expectations.specialist_min_level == "defined" and rules.expectations.specialists_wanted == 1
    assert rules.expectations.backups_wanted == 1
    assert "1 (initial" in rules.scale_note
    assert "not ITIL text" in capability().attribution


def test_loading_both_builtins_twice_changes_nothing_and_reads_back(builtin):
    before = Framework.objects.filter(is_builtin=True).count()
    assert before == 2
    assert builtin_frameworks_load() == []
    assert Framework.objects.filter(is_builtin=True).count() == before
    assert version_document(version=capability()) == load_builtin_document("smo-capability.yaml")


def test_grid_page_shows_the_groups(world, builtin):
    from django.urls import reverse

    page = world.client_for(world.charlie).get(reverse("framework-version", args=[capability().pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for group in GROUPS:
        assert f'<tr class="grid-group"><th colspan="6">{group}</th></tr>' in text
    assert "specialist" in text
