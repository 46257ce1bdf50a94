"""Writes of the site app: a person's own view of the home page. These are preferences of one login,
not changes to an organisation's data, so they leave no audit-log row."""

from __future__ import annotations

from typing import Any

from soms.site.models import GuideDismissal


def guide_dismiss(*, user: Any) -> None:
    GuideDismissal.objects.update_or_create(user=user)


def guide_restore(*, user: Any) -> None:
    GuideDismissal.objects.filter(user=user).delete()
