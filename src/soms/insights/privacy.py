"""A person's development plan in their data export, and gone when they are erased (a plan says
what someone should learn and why: personal data, not history anyone else needs). Their monthly
standing behind the trend lines (`PersonSnapshot`) goes with it; the unit snapshots, counts only,
stay."""

from __future__ import annotations

from typing import Any

from soms.insights.models import DevelopmentAction, PersonSnapshot
from soms.people.models import Person
from soms.people.services.privacy import register_person_data
from soms.people.signals import person_erased


def person_data(person: Person) -> list[dict[str, Any]]:
    actions = (
        DevelopmentAction.objects.filter(organisation_id=person.organisation_id, person=person)
        .select_related("version__framework", "element", "statement", "owner")
        .order_by("created_at", "id")
    )
    return [
        {
            "framework": a.version.framework.code,
            "version": a.version.label,
            "element": a.element.code,
            "statement": a.statement.code if a.statement else None,
            "kind": a.kind,
            "title": a.title,
            "notes": a.notes,
            "owner": a.owner.get_username() if a.owner else None,
            "due_on": a.due_on.isoformat() if a.due_on else None,
            "status": a.status,
            "done_on": a.done_on.isoformat() if a.done_on else None,
        }
        for a in actions
    ]


def _erased(sender: Any, *, person: Person, **_: Any) -> None:
    DevelopmentAction.objects.filter(organisation_id=person.organisation_id, person=person).delete()
    PersonSnapshot.objects.filter(organisation_id=person.organisation_id, person_id=person.pk).delete()


def connect() -> None:
    person_erased.connect(_erased, sender=Person, dispatch_uid="insights.person_erased")
    register_person_data("development_actions", person_data)
