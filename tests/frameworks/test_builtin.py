from __future__ import annotations

import pytest

from soms.frameworks.models import Framework, FrameworkVersion, Statement
from soms.frameworks.rules import FrameworkRules
from soms.frameworks.selectors.versions import version_document, version_grid
from soms.frameworks.services.versions import builtin_frameworks_load, load_builtin_document

pytestmark = pytest.mark.django_db

SOMS_ELEMENTS = [
    "customer-experience",
    "delivery",
    "process-context",
    "people-capability",
    "demand-capacity",
    "performance",
    "strategy-governance",
]


def test_builtin_soms_has_seven_elements_three_levels_and_attribution(builtin):
    version = FrameworkVersion.objects.get(framework__code="soms", label="2016")
    assert version.is_published and version.framework.is_builtin and version.framework.organisation is None
    assert [e.code for e in version.elements.all()] == SOMS_ELEMENTS
    assert [lv.name for lv in version.levels.all()] == ["Foundation", "Practitioner", "Senior Practitioner"]
    assert version.attribution == (
        "Based on the SOMS framework, Centre for Service Management, Loughborough University (2016)."
    )
    grid = version_grid(version=version)
    # Every element has at least one statement at every level.
    assert all(cell.statements for row in grid.rows for cell in row.cells)


def test_rules_are_data(builtin):
    version = FrameworkVersion.objects.get(framework__code="soms", label="2016")
    rules = FrameworkRules.model_validate(version.rules)
    assert rules.cumulative_levels
    assert rules.change_project is not None and rules.change_project.min_areas == 2
    assert rules.change_project.level == "senior-practitioner"
    assert rules.areas == "elements"
    assert [s.label for s in rules.standing] == ["Senior Practitioner", "Practitioner", "Foundation"]
    assert "member" not in rules.validator_roles


def test_loading_twice_changes_nothing(builtin):
    before = (Framework.objects.count(), Statement.objects.count())
    assert builtin_frameworks_load() == []
    assert (Framework.objects.count(), Statement.objects.count()) == before


def test_stored_version_reads_back_as_the_shipped_document(builtin):
    version = FrameworkVersion.objects.get(framework__code="soms", label="2016")
    shipped = load_builtin_document("soms-2016.yaml")
    assert version_document(version=version) == shipped
