from django.urls import path

from soms.toolkits.kpi import views

urlpatterns = [
    path("", views.kpi_index, name="kpi-index"),
    path("new/", views.kpi_new, name="kpi-new"),
    path("calculators/", views.calculators, name="kpi-calculators"),
    path("<int:kpi_id>/", views.kpi_detail, name="kpi-detail"),
    path("<int:kpi_id>/edit/", views.kpi_edit, name="kpi-edit"),
    path("<int:kpi_id>/delete/", views.kpi_delete, name="kpi-delete"),
    path("<int:kpi_id>/download/", views.kpi_download, name="kpi-download"),
    path("<int:kpi_id>/measurements/", views.measurement_record, name="kpi-measurement-record"),
    path("<int:kpi_id>/measurements/import/", views.measurement_import, name="kpi-measurement-import"),
    path(
        "<int:kpi_id>/measurements/<int:measurement_id>/delete/",
        views.measurement_delete,
        name="kpi-measurement-delete",
    ),
]
