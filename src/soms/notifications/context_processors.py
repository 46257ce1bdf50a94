from typing import Any

from django.http import HttpRequest

from soms.notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the top bar's bell (one indexed count, only for a signed-in member)."""
    user = getattr(request, "user", None)
    organisation = getattr(request, "organisation", None)
    if user is None or not user.is_authenticated or organisation is None:
        return {}
    return {
        "unread_notifications": Notification.objects.filter(
            user_id=user.pk, organisation_id=organisation.pk, read_at=None
        ).count()
    }
