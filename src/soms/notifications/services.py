"""Writes of notifications: create them (and queue their e-mail on commit), mark them read."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from soms.notifications.models import Notification

TEXT_MAX = 300


def notify(*, organisation_id: int, user_ids: Iterable[int], text: str, url: str = "") -> list[Notification]:
    """One notification per user (each user once), written now; their e-mails leave after commit."""
    users = sorted(set(user_ids))
    if not users:
        return []
    text = text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"
    made = Notification.objects.bulk_create(
        Notification(organisation_id=organisation_id, user_id=u, text=text, url=url) for u in users
    )
    ids = [n.pk for n in made if n.pk is not None]
    if not ids:  # a backend that does not return ids from a bulk insert
        ids = list(
            Notification.objects.filter(organisation_id=organisation_id, user_id__in=users, text=text)
            .order_by("-id")
            .values_list("pk", flat=True)[: len(users)]
        )

    def queue() -> None:
        from soms.notifications.tasks import notifications_email

        notifications_email.enqueue(ids)

    transaction.on_commit(queue)
    return made


def mark_read(*, user_id: int, organisation_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications of the organisation read (all of them, or those ids)."""
    rows = Notification.objects.filter(user_id=user_id, organisation_id=organisation_id, read_at=None)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
