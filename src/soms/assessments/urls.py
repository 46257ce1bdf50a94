"""Pages of the assessments app, mounted at /assessments/ (see soms/urls.py)."""

from django.urls import path

from soms.assessments.views import profile

urlpatterns = [
    path("people/<int:person_id>/profile/", profile.person_profile, name="attainment-profile"),
    path("import/", profile.history_import, name="attainment-import"),
    path("validity/", profile.validity_versions, name="attainment-validity"),
    path("validity/<int:version_id>/", profile.validity_version, name="attainment-validity-version"),
    path("carry-over/", profile.carry_over, name="attainment-carry-over"),
]
