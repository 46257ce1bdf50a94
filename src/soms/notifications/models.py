from __future__ import annotations

from django.conf import settings
from django.db import models

from soms.tenancy.models import TenantOwned


class Notification(TenantOwned):
    """Something a person is told in one organisation: a sentence and the page it is about."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "organisation", "read_at"], name="notification_user_unread"),
        ]

    def __str__(self) -> str:
        return self.text
