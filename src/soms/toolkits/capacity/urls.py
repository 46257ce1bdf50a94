from django.urls import path

from soms.toolkits.capacity import views

urlpatterns = [
    path("", views.capacity_home, name="capacity-home"),
    path("erlang/", views.erlang_calculator, name="capacity-erlang"),
    path("plan/", views.demand_plan, name="capacity-plan"),
    path("results/<int:job_id>/", views.job_result, name="capacity-job-result"),
    path("studies/<int:study_id>/", views.study_detail, name="capacity-study"),
    path("studies/<int:study_id>/rename/", views.study_rename, name="capacity-study-rename"),
    path("studies/<int:study_id>/delete/", views.study_delete, name="capacity-study-delete"),
    path("studies/<int:study_id>/download/", views.study_download, name="capacity-study-download"),
]
