from django.urls import path

from soms.people.views import imports, invite, members, pages, profiles

urlpatterns = [
    path("invite/<str:token>/", invite.invite_accept, name="people-invite-accept"),
    path("organisation/members/", members.members, name="members"),
    path("organisation/members/<int:membership_id>/role/", members.member_role, name="member-role"),
    path("organisation/members/<int:membership_id>/remove/", members.member_remove, name="member-remove"),
    path(
        "organisation/members/<int:membership_id>/invitation/resend/",
        members.member_invite_resend,
        name="member-invite-resend",
    ),
    path("people/", pages.person_list, name="people-list"),
    path("people/new/", pages.person_edit, name="people-person-new"),
    path("people/tree/", pages.tree, name="people-tree"),
    path("people/units/new/", pages.unit_edit, name="people-unit-new"),
    path("people/units/<int:unit_id>/", pages.unit_detail, name="people-unit"),
    path("people/units/<int:unit_id>/edit/", pages.unit_edit, name="people-unit-edit"),
    path("people/teams/new/", pages.team_edit, name="people-team-new"),
    path("people/teams/<int:team_id>/edit/", pages.team_edit, name="people-team-edit"),
    path("people/import/", imports.import_upload, name="people-import"),
    path("people/imports/<int:import_id>/", imports.import_detail, name="people-import-detail"),
    path(
        "people/imports/<int:import_id>/problems.csv", imports.import_problems, name="people-import-problems"
    ),
    path("people/imports/<int:import_id>/apply/", imports.import_apply, name="people-import-apply"),
    path("people/export.csv", imports.export, {"fmt": "csv"}, name="people-export-csv"),
    path("people/export.xlsx", imports.export, {"fmt": "xlsx"}, name="people-export-xlsx"),
    path("people/role-profiles/", profiles.role_profile_list, name="people-role-profiles"),
    path("people/role-profiles/<int:profile_id>/", profiles.role_profile_detail, name="people-role-profile"),
    path(
        "people/role-profiles/<int:profile_id>/copy/",
        profiles.role_profile_copy,
        name="people-role-profile-copy",
    ),
    path(
        "people/role-profiles/<int:profile_id>/delete/",
        profiles.role_profile_delete,
        name="people-role-profile-delete",
    ),
    path("people/coverage/", profiles.coverage_targets, name="people-coverage"),
    path(
        "people/coverage/<int:target_id>/edit/",
        profiles.coverage_target_edit,
        name="people-coverage-edit",
    ),
    path(
        "people/coverage/<int:target_id>/delete/",
        profiles.coverage_target_delete,
        name="people-coverage-delete",
    ),
    path("people/<int:person_id>/", pages.person_detail, name="people-person"),
    path("people/<int:person_id>/edit/", pages.person_edit, name="people-person-edit"),
    path("people/<int:person_id>/data.json", pages.person_data, name="people-person-data"),
    path("people/<int:person_id>/erase/", pages.person_erase, name="people-person-erase"),
    path("people/<int:person_id>/merge/", pages.person_merge, name="people-person-merge"),
    path("people/<int:person_id>/invite/", pages.person_invite, name="people-person-invite"),
]
