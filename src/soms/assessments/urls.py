from django.urls import path

from soms.assessments.views import assessments, review

urlpatterns = [
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
]
