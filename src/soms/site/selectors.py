from __future__ import annotations

from typing import Any

from soms.frameworks.selectors.versions import frameworks_visible_to
from soms.tenancy.models import Membership, Organisation
from soms.toolkits.capacity.selectors import capacity_studies_for


def home_summary(*, organisation: Organisation) -> dict[str, Any]:
    return {
        "member_count": Membership.objects.filter(organisation=organisation).count(),
        "frameworks": frameworks_visible_to(organisation=organisation),
        "recent_studies": capacity_studies_for(organisation=organisation)[:5],
    }
