from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from soms.frameworks.access import reads_drafts
from soms.frameworks.models import Framework, VersionStatus
from soms.site.models import GuideDismissal
from soms.tenancy.models import Membership, Organisation
from soms.toolkits.capacity.selectors import capacity_studies_for


def home_summary(*, membership: Membership) -> dict[str, Any]:
    """What the home page shows the member, in three queries: the organisation's member count with
    whether the member put the guide away, the frameworks with the number of versions the member
    may read (drafts only for those who read drafts: a member is not told a draft exists), and the
    recent studies."""
    organisation = membership.organisation
    members = (
        Membership.objects.filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    facts = (
        Organisation.objects.filter(pk=organisation.pk)
        .annotate(
            member_count=Coalesce(Subquery(members), 0),
            guide_dismissed=Exists(GuideDismissal.objects.filter(user_id=membership.user_id)),
        )
        .values("member_count", "guide_dismissed")
        .get()
    )
    readable = Q() if reads_drafts(membership) else Q(versions__status=VersionStatus.PUBLISHED)
    frameworks = Framework.objects.filter(
        Q(organisation__isnull=True) | Q(organisation=organisation)
    ).annotate(version_count=Count("versions", filter=readable))
    return {
        "member_count": facts["member_count"],
        "guide_dismissed": facts["guide_dismissed"],
        "frameworks": frameworks,
        "recent_studies": capacity_studies_for(organisation=organisation)[:5],
    }
