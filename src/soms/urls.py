from django.urls import include, path, re_path

from soms.api.errors import api_not_found
from soms.api.router import api

urlpatterns = [
    path("", include("soms.site.urls")),
    path("", include("soms.tenancy.urls")),
    path("frameworks/", include("soms.frameworks.urls")),
    path("capacity/", include("soms.toolkits.capacity.urls")),
    path("jobs/", include("soms.jobs.urls")),
    path("value-streams/", include("soms.toolkits.vsm.urls")),
    path("kpis/", include("soms.toolkits.kpi.urls")),
    path("delivery/", include("soms.toolkits.delivery.urls")),
    path("stakeholders/", include("soms.toolkits.stakeholders.urls")),
    path("audits/", include("soms.audit.urls")),
    path("", include("soms.people.urls")),
    path("assessments/", include("soms.assessments.urls")),
    path("notifications/", include("soms.notifications.urls")),
    path("insights/", include("soms.insights.urls")),
    path("api/", api.urls),
    # Last: only what no API operation matched.
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
]
