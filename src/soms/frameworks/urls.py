from django.urls import path

from soms.frameworks import views

urlpatterns = [
    path("", views.framework_list, name="framework-list"),
    path("<int:framework_id>/", views.framework_detail, name="framework-detail"),
    path("versions/<int:version_id>/", views.framework_version, name="framework-version"),
]
