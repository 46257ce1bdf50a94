"""`{% idempotency_field %}`: a form's one-time key (`soms.tenancy.idempotency`) as a hidden input.

Each form drawn gets its own key, so a double click or a form sent again from the browser's
history is done once, while the same form filled in twice from a fresh page is two requests."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from soms.tenancy.idempotency import FORM_FIELD, new_key

register = template.Library()


@register.simple_tag
def idempotency_field() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, new_key())
