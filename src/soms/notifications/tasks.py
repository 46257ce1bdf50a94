"""The e-mail side of notifications, run by the task worker after the write committed."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

from soms.notifications.models import Notification


@task
def notifications_email(notification_ids: list[int]) -> int:
    """Send each notification not yet e-mailed to its user's address (users without one are skipped).
    Answers how many were sent."""
    sent = 0
    base = settings.SOMS_BASE_URL.rstrip("/")
    rows = Notification.objects.filter(pk__in=notification_ids, emailed_at=None).select_related(
        "user", "organisation"
    )
    for n in rows:
        if not n.user.email:
            continue
        link = f"\n\n{base}{n.url}" if n.url else ""
        body = f"{n.text}{link}\n\n— SOMS, {n.organisation.name}\n"
        send_mail(f"SOMS: {n.text[:120]}", body, None, [n.user.email])
        n.emailed_at = timezone.now()
        n.save(update_fields=["emailed_at"])
        sent += 1
    return sent
