from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from soms.audit.errors import AuditConflict
from soms.core.problems import Invalid
from soms.fields import SomsForm


def problems_to(form: SomsForm | None, request: HttpRequest, exc: Invalid | AuditConflict) -> None:
    """A service's refusal shown where the person looks: on the form's fields, or as a message."""
    if isinstance(exc, AuditConflict):
        text = str(exc)
        if form is not None:
            form.add_error(None, text[:1].upper() + text[1:] + ".")
        else:
            messages.error(request, text[:1].upper() + text[1:] + ".")
        return
    if form is not None:
        form.add_problems(exc.problems)
    else:
        for p in exc.problems:
            messages.error(request, str(p))


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
