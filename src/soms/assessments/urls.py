"""Pages of the assessments app, mounted at /assessments/ (see soms/urls.py)."""

from django.urls import path

from soms.assessments.views import assessments, evidence, profile, projects, review

urlpatterns = [
    # attainment profile, historic imports, validity, carry-over (history11)
    path("people/<int:person_id>/profile/", profile.person_profile, name="attainment-profile"),
    path("import/", profile.history_import, name="attainment-import"),
    path("import/<int:import_id>/", profile.history_import_held, name="attainment-import-held"),
    path("validity/", profile.validity_versions, name="attainment-validity"),
    path("validity/<int:version_id>/", profile.validity_version, name="attainment-validity-version"),
    path("carry-over/", profile.carry_over, name="attainment-carry-over"),
    # assessments and their review (flow11)
    path("", assessments.assessment_list, name="assessment-list"),
    path("start/", assessments.assessment_start, name="assessment-start"),
    path("queue/", review.review_queue_page, name="assessment-queue"),
    path("<int:assessment_id>/", assessments.assessment_form, name="assessment"),
    path("<int:assessment_id>/save/", assessments.assessment_save, name="assessment-save"),
    path("<int:assessment_id>/submit/", assessments.assessment_submit, name="assessment-submit"),
    path("<int:assessment_id>/correct/", assessments.assessment_correct, name="assessment-correct"),
    path("<int:assessment_id>/review/", review.review_page, name="assessment-review"),
    path("<int:assessment_id>/return/", review.review_return, name="assessment-return"),
    path("<int:assessment_id>/validate/", review.review_validate, name="assessment-validate"),
    # evidence (evidence11)
    path("people/<int:person_id>/evidence/", evidence.evidence_list, name="evidence-list"),
    path("people/<int:person_id>/evidence/new/", evidence.evidence_new, name="evidence-new"),
    path("evidence/<int:evidence_id>/", evidence.evidence_detail, name="evidence-detail"),
    path("evidence/<int:evidence_id>/download/", evidence.evidence_download, name="evidence-download"),
    path("evidence/<int:evidence_id>/attach/", evidence.evidence_attach, name="evidence-attach"),
    path("evidence/<int:evidence_id>/detach/", evidence.evidence_detach, name="evidence-detach"),
    path("evidence/<int:evidence_id>/delete/", evidence.evidence_delete, name="evidence-delete"),
    # change projects (evidence11)
    path("projects/", projects.project_list, name="change-project-list"),
    path("projects/new/", projects.project_new, name="change-project-new"),
    path("projects/<int:project_id>/", projects.project_detail, name="change-project"),
    path("projects/<int:project_id>/edit/", projects.project_edit, name="change-project-edit"),
    path("projects/<int:project_id>/submit/", projects.project_submit, name="change-project-submit"),
    path("projects/<int:project_id>/review/", projects.project_review, name="change-project-review"),
    path("projects/<int:project_id>/evidence/", projects.project_evidence, name="change-project-evidence"),
]
