from django.urls import path

from soms.insights.views import pages

urlpatterns = [
    path("", pages.dashboard, name="insights-dashboard"),
    path("refreshers/", pages.refreshers, name="insights-refreshers"),
    path("export/", pages.export, name="insights-export"),
    path("people/<int:person_id>/plan.pdf", pages.plan_pdf, name="insights-plan-pdf"),
    path("people/<int:person_id>/", pages.person, name="insights-person"),
    path("people/<int:person_id>/actions/", pages.action_create, name="insights-action-create"),
    path("actions/<int:action_id>/status/", pages.action_status, name="insights-action-status"),
]
