"""Development plans: add an action from a gap, move it along, and what to suggest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from soms.frameworks.models import Element, FrameworkVersion, Statement
from soms.insights.models import ActionKind, ActionSource, ActionStatus, DevelopmentAction
from soms.people.errors import PeopleConflict, PeopleInvalid
from soms.people.models import Person
from soms.people.validation import CONTROL_MESSAGE, text_problem
from soms.tenancy.audit import AuditAction
from soms.tenancy.services import audit_log_write


class ActionConflict(PeopleConflict):
    """Someone else changed the action since it was read."""

    def __init__(self, current: DevelopmentAction) -> None:
        super().__init__(
            f"This action was changed by someone else (now '{current.get_status_display()}'); "
            "reload it and choose again."
        )
        self.action = current
        # The revision now stored, which the API's 409 answer carries (as for every stale revision).
        self.current = current.revision


def action_create(
    *,
    actor: Any,
    person: Person,
    version: FrameworkVersion,
    element: Element,
    kind: str,
    title: str,
    statement: Statement | None = None,
    notes: str = "",
    due_on: date | None = None,
    source: str = ActionSource.OWN,
    owner: Any = None,
) -> DevelopmentAction:
    if element.version_id != version.pk:
        raise PeopleInvalid("element", "This element belongs to another framework version.")
    if statement is not None and statement.element_id != element.pk:
        raise PeopleInvalid("statement", "This statement belongs to another element.")
    if kind not in ActionKind.values:
        raise PeopleInvalid("kind", f"Choose one of: {', '.join(ActionKind.values)}.")
    if not title.strip():
        raise PeopleInvalid("title", "Say what the action is.")
    # A title is one line, as a person's name is; notes keep their line breaks and tabs. Neither
    # holds other control characters, which the plan's PDF and any export would carry.
    if text_problem(title.strip()):
        raise PeopleInvalid("title", CONTROL_MESSAGE)
    if text_problem(notes.replace("\r\n", "").replace("\n", "").replace("\t", "")):
        raise PeopleInvalid("notes", "must not contain control characters other than line breaks and tabs")
    # "" was how an action typed in was stored before sources had names; it still means one's own.
    source = source or ActionSource.OWN
    if source not in ActionSource.values:
        raise PeopleInvalid("source", f"Choose one of: {', '.join(ActionSource.values)}.")
    # An identical action may be added on purpose (a second course of the same name); a request
    # sent twice is told apart by its idempotency key (soms.tenancy.idempotency), at the edge.
    with transaction.atomic():
        action = DevelopmentAction.objects.create(
            organisation_id=person.organisation_id,
            person=person,
            version=version,
            element=element,
            statement=statement,
            kind=kind,
            title=title.strip(),
            notes=notes,
            due_on=due_on,
            source=source,
            owner=owner if owner is not None else (person.user if person.user_id else actor),
            created_by=actor,
        )
        audit_log_write(
            actor=actor,
            organisation=person.organisation,
            action=AuditAction.DEVELOPMENT_ACTION_CREATE,
            obj=action,
            after={
                "person": person.employee_id,
                "element": element.code,
                "kind": kind,
                "title": action.title,
            },
        )
    return action


def action_set_status(
    *, actor: Any, action: DevelopmentAction, status: str, revision: int
) -> DevelopmentAction:
    if status not in ActionStatus.values:
        raise PeopleInvalid("status", f"Choose one of: {', '.join(ActionStatus.values)}.")
    before = action.status
    with transaction.atomic():
        done_on = timezone.localdate() if status == ActionStatus.DONE else None
        updated = DevelopmentAction.objects.filter(pk=action.pk, revision=revision).update(
            status=status, done_on=done_on, revision=revision + 1, updated_at=timezone.now()
        )
        if not updated:
            raise ActionConflict(DevelopmentAction.objects.get(pk=action.pk))
        action.refresh_from_db()
        audit_log_write(
            actor=actor,
            organisation=action.person.organisation,
            action=AuditAction.DEVELOPMENT_ACTION_UPDATE,
            obj=action,
            before={"status": before},
            after={"status": status},
        )
    return action


def is_overdue(action: DevelopmentAction, today: date | None = None) -> bool:
    return (
        action.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
        and action.due_on is not None
        and action.due_on < (today or timezone.localdate())
    )


@dataclass(frozen=True)
class Suggestion:
    element: str  # element code
    element_name: str
    kind: str
    title: str
    reason: str
    statement: str | None = None  # statement code
    source: str = ActionSource.GAP


def suggestions(
    *, gaps: list[dict[str, Any]], level_names: dict[str, str], planned: set[tuple[str, str]]
) -> list[Suggestion]:
    """What to do about each gap, from what the attainment engine says is missing:

    - a refresh-due or expired level: a refresher of that level;
    - a qualifying change project missing: a change project addressing the element;
    - statements missing: coaching on the first missing statement (shadowing when the person has
      nothing in the element yet), or a course for the element's first level.

    `gaps` rows carry element, name, required, attained, gap, refresh_due, expired and the engine's
    `missing` detail; `planned` holds (element, kind) pairs already planned, which are not suggested
    again.
    """
    out: list[Suggestion] = []
    for g in gaps:
        code, name = g["element"], g["name"]
        if g.get("refresh_due") or g.get("expired"):
            level = g.get("attained") or g.get("lapsed") or ""
            if (code, ActionKind.REFRESHER) not in planned:
                out.append(
                    Suggestion(
                        code,
                        name,
                        ActionKind.REFRESHER,
                        f"Refresher: {name} at {level_names.get(level, level) or 'the level held'}",
                        "The level is expired" if g.get("expired") else "The level is due for a refresher",
                        source=ActionSource.REFRESHER,
                    )
                )
        if not g.get("gap"):
            continue
        missing = g.get("missing") or {}
        if missing.get("project") and (code, ActionKind.PROJECT) not in planned:
            out.append(
                Suggestion(
                    code,
                    name,
                    ActionKind.PROJECT,
                    f"Change project addressing {name}",
                    missing["project"]["text"],
                )
            )
        statements = missing.get("statements") or []
        if statements:
            first = statements[0]["statement"]
            kind = ActionKind.COACHING if g.get("attained") else ActionKind.COURSE
            if (code, kind) not in planned:
                needed = missing.get("statements_needed", len(statements))
                out.append(
                    Suggestion(
                        code,
                        name,
                        kind,
                        f"{'Coaching' if kind == ActionKind.COACHING else 'Course'}: {name} "
                        f"({level_names.get(missing.get('level', ''), missing.get('level', ''))})",
                        f"{needed} statement{'s' if needed != 1 else ''} still to show, starting with {first}",
                        statement=first,
                    )
                )
    return out
