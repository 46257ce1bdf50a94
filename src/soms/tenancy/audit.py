"""The audit log as people read it: action types, changes field by field in words, objects by name.

Every action a service records is an `AuditAction` (its value is what is stored). A new service adds
its actions here; `tests/tenancy/test_audit_actions.py` fails for an action written anywhere in the
code that is not listed. An object links to its page when its model has `get_absolute_url()`.
Services that write many rows at once record one summary row (`audit_log_summary` in services).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models


class AuditAction(models.TextChoices):
    ORGANISATION_CREATE = "organisation.create", "Organisation created"
    MEMBERSHIP_ADD = "membership.add", "Member added"
    MEMBERSHIP_INVITE = "membership.invite", "Member invited"
    MEMBERSHIP_CHANGE_ROLE = "membership.change_role", "Member's role changed"
    MEMBERSHIP_REMOVE = "membership.remove", "Member removed"
    USER_PASSWORD_CHANGE = "user.password_change", "Password changed"
    USER_INVITE_ACCEPT = "user.invite_accept", "Invitation accepted"
    MEMBERSHIP_INVITE_RESEND = "membership.invite_resend", "Invitation sent again"
    API_TOKEN_CREATE = "api_token.create", "API token created"
    API_TOKEN_REVOKE = "api_token.revoke", "API token revoked"
    FRAMEWORK_CREATE = "framework.create", "Framework created"
    FRAMEWORK_VERSION_CREATE = "framework_version.create", "Framework version loaded"
    FRAMEWORK_VERSION_IMPORT = "framework_version.import", "Framework imported"
    FRAMEWORK_VERSION_DRAFT = "framework_version.draft", "Draft started"
    FRAMEWORK_VERSION_RULES = "framework_version.rules", "Rules changed"
    FRAMEWORK_VERSION_PUBLISH = "framework_version.publish", "Version published"
    FRAMEWORK_VERSION_MAPPINGS = "framework_version.mappings", "Statement mappings saved"
    FRAMEWORK_LEVEL_CREATE = "framework_level.create", "Level added"
    FRAMEWORK_LEVEL_UPDATE = "framework_level.update", "Level changed"
    FRAMEWORK_LEVEL_DELETE = "framework_level.delete", "Level deleted"
    FRAMEWORK_LEVEL_REORDER = "framework_level.reorder", "Levels reordered"
    FRAMEWORK_ELEMENT_CREATE = "framework_element.create", "Element added"
    FRAMEWORK_ELEMENT_UPDATE = "framework_element.update", "Element changed"
    FRAMEWORK_ELEMENT_DELETE = "framework_element.delete", "Element deleted"
    FRAMEWORK_ELEMENT_REORDER = "framework_element.reorder", "Elements reordered"
    FRAMEWORK_AREA_CREATE = "framework_area.create", "Area added"
    FRAMEWORK_AREA_UPDATE = "framework_area.update", "Area changed"
    FRAMEWORK_AREA_DELETE = "framework_area.delete", "Area deleted"
    FRAMEWORK_AREA_REORDER = "framework_area.reorder", "Areas reordered"
    FRAMEWORK_STATEMENT_CREATE = "framework_statement.create", "Statement added"
    FRAMEWORK_STATEMENT_UPDATE = "framework_statement.update", "Statement changed"
    FRAMEWORK_STATEMENT_DELETE = "framework_statement.delete", "Statement deleted"
    FRAMEWORK_STATEMENT_REORDER = "framework_statement.reorder", "Statements reordered"
    CAPACITY_STUDY_CREATE = "capacity_study.create", "Capacity study saved"
    CAPACITY_STUDY_RENAME = "capacity_study.rename", "Capacity study renamed"
    CAPACITY_STUDY_DELETE = "capacity_study.delete", "Capacity study deleted"
    VALUE_STREAM_CREATE = "value_stream.create", "Value stream map saved"
    VALUE_STREAM_UPDATE = "value_stream.update", "Value stream map changed"
    VALUE_STREAM_DELETE = "value_stream.delete", "Value stream map deleted"
    DELIVERY_SYSTEM_CREATE = "delivery_system.create", "Service delivery system saved"
    DELIVERY_SYSTEM_UPDATE = "delivery_system.update", "Service delivery system changed"
    DELIVERY_SYSTEM_DELETE = "delivery_system.delete", "Service delivery system deleted"
    STAKEHOLDER_MAP_CREATE = "stakeholder_map.create", "Stakeholder map saved"
    STAKEHOLDER_MAP_UPDATE = "stakeholder_map.update", "Stakeholder map changed"
    STAKEHOLDER_MAP_DELETE = "stakeholder_map.delete", "Stakeholder map deleted"
    KPI_CREATE = "kpi.create", "KPI created"
    KPI_UPDATE = "kpi.update", "KPI changed"
    KPI_DELETE = "kpi.delete", "KPI deleted"
    KPI_MEASUREMENT_RECORD = "kpi_measurement.record", "KPI measurement recorded"
    KPI_MEASUREMENT_IMPORT = "kpi_measurement.import", "KPI measurements imported"
    KPI_MEASUREMENT_DELETE = "kpi_measurement.delete", "KPI measurement deleted"
    DEVELOPMENT_ACTION_CREATE = "development_action.create", "Development action added"
    DEVELOPMENT_ACTION_UPDATE = "development_action.update", "Development action changed"
    PERSON_CREATE = "person.create", "Person added"
    PERSON_UPDATE = "person.update", "Person changed"
    PERSON_INVITE = "person.invite", "Person invited"
    PERSON_MERGE = "person.merge", "People merged"
    PERSON_ERASE = "person.erase", "Person erased"
    PERSON_IMPORT = "person.import", "People imported"
    PEOPLE_IMPORT = "people.import", "HR file imported"
    ORG_UNIT_CREATE = "org_unit.create", "Unit added"
    ORG_UNIT_UPDATE = "org_unit.update", "Unit changed"
    ORG_UNIT_DELETE = "org_unit.delete", "Unit deleted"
    TEAM_CREATE = "team.create", "Team added"
    TEAM_UPDATE = "team.update", "Team changed"
    TEAM_DELETE = "team.delete", "Team deleted"
    ROLE_PROFILE_CREATE = "role_profile.create", "Role profile added"
    ROLE_PROFILE_COPY = "role_profile.copy", "Role profile copied"
    ROLE_PROFILE_UPDATE = "role_profile.update", "Role profile changed"
    ROLE_PROFILE_DELETE = "role_profile.delete", "Role profile deleted"
    COVERAGE_TARGET_CREATE = "coverage_target.create", "Coverage target added"
    COVERAGE_TARGET_UPDATE = "coverage_target.update", "Coverage target changed"
    COVERAGE_TARGET_DELETE = "coverage_target.delete", "Coverage target deleted"
    ASSESSMENT_CREATE = "assessment.create", "Assessment started"
    ASSESSMENT_JUDGE = "assessment.judge", "Assessment judgements saved"
    ASSESSMENT_SUBMIT = "assessment.submit", "Assessment submitted"
    ASSESSMENT_RETURN = "assessment.return", "Assessment returned"
    ASSESSMENT_RESUBMIT = "assessment.resubmit", "Assessment resubmitted"
    ASSESSMENT_VALIDATE = "assessment.validate", "Assessment validated"
    ASSESSMENT_CORRECT = "assessment.correct", "Assessment correction started"
    AUDIT_TEMPLATE_CREATE = "audit_template.create", "Audit template created"
    AUDIT_TEMPLATE_UPDATE = "audit_template.update", "Audit template changed"
    AUDIT_TEMPLATE_PUBLISH = "audit_template.publish", "Audit template published"
    AUDIT_QUESTION_CREATE = "audit_question.create", "Audit question added"
    AUDIT_QUESTION_UPDATE = "audit_question.update", "Audit question changed"
    AUDIT_QUESTION_DELETE = "audit_question.delete", "Audit question deleted"
    AUDIT_CREATE = "audit.create", "Audit started"
    AUDIT_UPDATE = "audit.update", "Audit changed"
    AUDIT_CLOSE = "audit.close", "Audit closed"
    AUDIT_REAUDIT = "audit.reaudit", "Re-audit started"
    AUDIT_RESPONDENT_ADD = "audit_respondent.add", "Respondent added"
    AUDIT_RESPONDENT_INVITE = "audit_respondent.invite", "Respondent invited by link"
    AUDIT_RATINGS_SUBMIT = "audit_ratings.submit", "Audit answers submitted"
    AUDIT_CONSENSUS_SET = "audit_consensus.set", "Consensus recorded"
    AUDIT_EVIDENCE_ADD = "audit_evidence.add", "Audit evidence added"
    AUDIT_FINDING_CREATE = "audit_finding.create", "Finding recorded"
    AUDIT_FINDING_UPDATE = "audit_finding.update", "Finding changed"
    AUDIT_ACTION_CREATE = "audit_action.create", "Audit action added"
    AUDIT_ACTION_UPDATE = "audit_action.update", "Audit action changed"
    ASSESSMENT_IMPORT = "assessment.import", "Historic assessments imported"
    PROJECT_IMPORT = "change_project.import", "Historic change projects imported"
    ATTAINMENT_CARRY_OVER = "attainment.carry_over", "Judgements carried to a new framework version"
    VALIDITY_OVERRIDE_SET = "validity_override.set", "Level validity changed"
    EVIDENCE_CREATE = "evidence.create", "Evidence added"
    EVIDENCE_ATTACH = "evidence.attach", "Evidence linked to statements"
    EVIDENCE_DETACH = "evidence.detach", "Evidence unlinked from a statement"
    EVIDENCE_DELETE = "evidence.delete", "Evidence deleted"
    CHANGE_PROJECT_CREATE = "change_project.create", "Change project added"
    CHANGE_PROJECT_UPDATE = "change_project.update", "Change project changed"
    CHANGE_PROJECT_SUBMIT = "change_project.submit", "Change project submitted"
    CHANGE_PROJECT_RETURN = "change_project.return", "Change project returned"
    CHANGE_PROJECT_VALIDATE = "change_project.validate", "Change project validated"
    CHANGE_PROJECT_EVIDENCE = "change_project.evidence", "Change project evidence changed"


_LABELS = dict(AuditAction.choices)
# Actions after which the object is gone: nothing to link to.
_GONE = (".delete", ".erase", ".remove", ".revoke")


def action_label(action: str) -> str:
    """The action in words; one not (yet) listed reads as its stored name, never as an error."""
    return _LABELS.get(action) or action.replace("_", " ").replace(".", ": ")


# Keys whose plain humanised form reads badly.
FIELD_LABELS = {
    "aht": "Average handle time",
    "csv": "Demand file",
    "kind": "Type",
    "prefix": "Token begins",
    "revision": "Revision",
    "version": "Version id",
    "uuid": "Identifier",
    "active": "Active",
    "count": "How many",
    "examples": "Including",
}


def field_label(key: str) -> str:
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def value_text(value: Any) -> str:
    """A stored value in words: no Python or JSON punctuation for a person to decode."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | Decimal):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(str(k))}: {value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the field was not there before (created)
    after: str | None  # None: not there after (deleted)


def changes_of(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """Before and after side by side, one field per line, in the order the service wrote them."""
    before, after = before or {}, after or {}
    if not isinstance(before, dict):
        before = {"value": before}
    if not isinstance(after, dict):
        after = {"value": after}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Change(
            field=field_label(str(k)),
            before=value_text(before[k]) if k in before else None,
            after=value_text(after[k]) if k in after else None,
        )
        for k in keys
    ]


def changes_text(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    parts = []
    for c in changes_of(before, after):
        if c.before is None:
            parts.append(f"{c.field}: {c.after}")
        elif c.after is None:
            parts.append(f"{c.field}: was {c.before}")
        else:
            parts.append(f"{c.field}: {c.before} → {c.after}")
    return "; ".join(parts)


def _model_named(name: str) -> type[models.Model] | None:
    for model in apps.get_models():
        if model.__name__ == name:
            return model
    return None


def object_type_label(name: str, *, plural: bool = False) -> str:
    model = _model_named(name) if name else None
    if model is not None:
        meta = model._meta
        return str(meta.verbose_name_plural if plural else meta.verbose_name).capitalize()
    return field_label(name) if name else ""


def object_links(entries: Iterable[Any]) -> dict[tuple[str, str], str]:
    """(object_type, object_id) → URL of its page, for the objects that still exist and have one.

    One query per object type on the page, however many rows it shows.
    """
    wanted: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        if e.object_type and e.object_id and not e.action.endswith(_GONE):
            wanted[e.object_type].add(e.object_id)
    links: dict[tuple[str, str], str] = {}
    for name, ids in wanted.items():
        model = _model_named(name)
        if model is None or not hasattr(model, "get_absolute_url"):
            continue
        pks = [int(i) for i in ids if i.isdigit() and len(i) < 19]
        for obj in model._default_manager.filter(pk__in=pks):
            url = obj.get_absolute_url()
            if url:
                links[(name, str(obj.pk))] = url
    return links


# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def local_date_bounds(
    since: dt.date | None, until: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Whole local days, `until` included: [since 00:00, the day after until 00:00)."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if until else None
    return start, end
