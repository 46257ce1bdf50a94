"""Notifications in a person's data export, and their name taken out of everyone's notifications
when they are erased ("Waiting for review: self-assessment of Ann Lee")."""

from __future__ import annotations

from typing import Any

from soms.notifications.models import Notification
from soms.people.models import Person
from soms.people.services.privacy import register_person_data, scrub_name
from soms.people.signals import person_erased


def person_data(person: Person) -> list[dict[str, Any]]:
    if person.user_id is None:
        return []
    return [
        {"at": n.created_at.isoformat(), "text": n.text, "read": n.read_at is not None}
        for n in Notification.objects.filter(organisation_id=person.organisation_id, user_id=person.user_id)
    ]


def _erased(sender: Any, *, person: Person, former_name: str = "", **_: Any) -> None:
    if former_name.strip():
        scrub_name(
            Notification.objects.filter(organisation_id=person.organisation_id),
            "text",
            former_name,
            person.name,
        )


def connect() -> None:
    person_erased.connect(_erased, sender=Person, dispatch_uid="notifications.person_erased")
    register_person_data("notifications", person_data)
