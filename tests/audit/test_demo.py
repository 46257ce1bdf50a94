"""The demo's audits: a closed baseline with three respondents and one resolved disagreement,
findings and actions, and a re-audit in progress. Seeding twice makes nothing twice."""

from __future__ import annotations

from typing import Any

import pytest

from soms.audit.demo import BASELINE
from soms.audit.models import Action, Audit, Consensus, Finding, Respondent
from soms.audit.selectors import spread_view
from soms.site.seeding import seed_demo

pytestmark = pytest.mark.django_db


def test_the_demo_audits(db: Any) -> None:
    seed_demo()
    baseline = Audit.objects.get(title=BASELINE)
    assert baseline.status == "closed"
    assert Respondent.objects.filter(audit=baseline, submitted_at__isnull=False).count() == 3
    wide = [row for row in spread_view(baseline) if row.spread.wide]
    assert [row.question.code for row in wide] == ["DC1"]
    assert Consensus.objects.get(audit=baseline, question=wide[0].question).reason
    assert (
        Finding.objects.filter(audit=baseline).count() >= 2 and Action.objects.filter(audit=baseline).exists()
    )
    reaudit = Audit.objects.get(baseline=baseline)
    assert reaudit.status == "open"
    assert Respondent.objects.filter(audit=reaudit, submitted_at__isnull=False).count() == 2
    assert Finding.objects.filter(audit=reaudit, carried_from__isnull=False).exists()
    count = Audit.objects.count()
    seed_demo()
    assert Audit.objects.count() == count
