from django.urls import path

from soms.frameworks.views import authoring as views_authoring
from soms.frameworks.views import browse as views
from soms.frameworks.views import exchange as views_io

urlpatterns = [
    path("", views.framework_list, name="framework-list"),
    path("<int:framework_id>/", views.framework_detail, name="framework-detail"),
    path("versions/<int:version_id>/", views.framework_version, name="framework-version"),
    path(
        "versions/<int:version_id>/cells/<int:element_id>/<int:level_id>/",
        views.framework_cell,
        name="framework-cell",
    ),
    path("import/", views_io.framework_import_page, name="framework-import"),
    path("import/<int:import_id>/", views_io.framework_import_choose, name="framework-import-choose"),
    path(
        "versions/<int:version_id>/export/<str:format>/",
        views_io.framework_version_download,
        name="framework-version-export",
    ),
    # Authoring (views_authoring): create or adapt, edit a draft, publish, compare and map.
    path("new/", views_authoring.framework_create, name="framework-create"),
    path(
        "versions/<int:version_id>/new-draft/",
        views_authoring.version_draft_create,
        name="framework-draft-create",
    ),
    path("versions/<int:version_id>/edit/", views_authoring.version_structure, name="framework-structure"),
    path("versions/<int:version_id>/rules/", views_authoring.version_rules, name="framework-rules"),
    path("versions/<int:version_id>/publish/", views_authoring.version_publish, name="framework-publish"),
    path("versions/<int:version_id>/diff/", views_authoring.version_diff, name="framework-diff"),
    path("versions/<int:version_id>/mappings/", views_authoring.version_mappings, name="framework-mappings"),
    path(
        "versions/<int:version_id>/<slug:kind>/new/",
        views_authoring.version_item_form,
        name="framework-item-new",
    ),
    path(
        "versions/<int:version_id>/<slug:kind>/<int:item_id>/edit/",
        views_authoring.version_item_form,
        name="framework-item-edit",
    ),
    path(
        "versions/<int:version_id>/<slug:kind>/<int:item_id>/delete/",
        views_authoring.version_item_delete,
        name="framework-item-delete",
    ),
    path(
        "versions/<int:version_id>/<slug:kind>/<int:item_id>/move/",
        views_authoring.version_item_move,
        name="framework-item-move",
    ),
    path(
        "versions/<int:version_id>/statements/<int:item_id>/",
        views_authoring.statement_show,
        name="framework-statement",
    ),
]
