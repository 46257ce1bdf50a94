from __future__ import annotations

from django.conf import settings
from django.db import models


class GuideDismissal(models.Model):
    """A person put the first-run guide on the home page away: it stays away for them in every
    organisation until they ask for it again. One row per login; no row means the guide shows."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guide_dismissal"
    )
    dismissed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"guide dismissed by {self.user}"
