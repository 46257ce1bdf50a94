from __future__ import annotations

import pytest

from soms.frameworks.models import FrameworkVersion, StatementMapping
from soms.frameworks.selectors.authoring import versions_diff
from soms.site.seeding import seed_demo
from soms.tenancy.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def test_demo_gives_harbourside_an_adapted_soms_in_two_versions_once():
    seed_demo()
    v1 = FrameworkVersion.objects.get(framework__code="harbourside-claims-skills", label="1")
    v2 = FrameworkVersion.objects.get(framework__code="harbourside-claims-skills", label="2")
    assert v1.is_published and not v2.is_published and v2.based_on == v1
    assert v1.framework.organisation.name.startswith("Harbourside")
    counts = versions_diff(version=v2, base=v1).counts
    assert counts["reworded"] == 2 and counts["added"] == 1 and counts["moved"] == 1
    assert counts["renamed"] == 1 and counts["removed"] == 1
    mappings = StatementMapping.objects.filter(to_version=v2).count()
    assert mappings == v1.statements.count()
    entries = AuditLogEntry.objects.count()
    seed_demo()
    assert FrameworkVersion.objects.filter(framework__code="harbourside-claims-skills").count() == 2
    assert StatementMapping.objects.filter(to_version=v2).count() == mappings
    assert AuditLogEntry.objects.count() == entries
