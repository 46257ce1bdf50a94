from django.urls import path

from soms.audit.views import answer, audits, templates

urlpatterns = [
    path("", audits.audit_list, name="audits-index"),
    path("new/", audits.audit_new, name="audits-new"),
    path("respond/<str:token>/", answer.answer_by_link, name="audits-respond-link"),
    path("templates/", templates.template_list, name="audits-templates"),
    path("templates/new/", templates.template_new, name="audits-template-new"),
    path("templates/<int:template_id>/", templates.template_detail, name="audits-template"),
    path("templates/<int:template_id>/edit/", templates.template_edit, name="audits-template-edit"),
    path("templates/<int:template_id>/publish/", templates.template_publish, name="audits-template-publish"),
    path(
        "templates/<int:template_id>/new-version/", templates.template_version, name="audits-template-version"
    ),
    path("templates/<int:template_id>/questions/", templates.question_add, name="audits-question-add"),
    path(
        "templates/<int:template_id>/questions/<int:question_id>/",
        templates.question_edit,
        name="audits-question-edit",
    ),
    path(
        "templates/<int:template_id>/questions/<int:question_id>/delete/",
        templates.question_delete,
        name="audits-question-delete",
    ),
    path("<int:audit_id>/", audits.audit_detail, name="audits-detail"),
    path("<int:audit_id>/respondents/", audits.respondent_add, name="audits-respondent-add"),
    path("<int:audit_id>/invite/", audits.respondent_invite, name="audits-respondent-invite"),
    path("<int:audit_id>/answer/", answer.answer, name="audits-answer"),
    path("<int:audit_id>/spread/", audits.spread, name="audits-spread"),
    path("<int:audit_id>/consensus/agreed/", audits.consensus_agreed, name="audits-consensus-agreed"),
    path("<int:audit_id>/consensus/<int:question_id>/", audits.consensus_set, name="audits-consensus"),
    path("<int:audit_id>/results/", audits.results, name="audits-results"),
    path("<int:audit_id>/targets/", audits.targets_set, name="audits-targets"),
    path("<int:audit_id>/findings/", audits.findings, name="audits-findings"),
    path("<int:audit_id>/findings/new/", audits.finding_add, name="audits-finding-add"),
    path("<int:audit_id>/findings/<int:finding_id>/", audits.finding_update, name="audits-finding-update"),
    path(
        "<int:audit_id>/findings/<int:finding_id>/develop/",
        audits.finding_develop,
        name="audits-finding-develop",
    ),
    path("<int:audit_id>/evidence/", audits.evidence_add, name="audits-evidence-add"),
    path("<int:audit_id>/actions/", audits.action_add, name="audits-action-add"),
    path("<int:audit_id>/actions/<int:action_id>/", audits.action_update, name="audits-action-update"),
    path("<int:audit_id>/close/", audits.audit_close, name="audits-close"),
    path("<int:audit_id>/reaudit/", audits.reaudit, name="audits-reaudit"),
    path("<int:audit_id>/export/", audits.export, name="audits-export"),
]
