from django.urls import path

from soms.frameworks import views, views_io

urlpatterns = [
    path("", views.framework_list, name="framework-list"),
    path("<int:framework_id>/", views.framework_detail, name="framework-detail"),
    path("versions/<int:version_id>/", views.framework_version, name="framework-version"),
    path("import/", views_io.framework_import_page, name="framework-import"),
    path(
        "versions/<int:version_id>/export/<str:format>/",
        views_io.framework_version_download,
        name="framework-version-export",
    ),
]
