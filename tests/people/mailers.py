"""Mail servers that answer as real ones do when they refuse (stand-ins for an SMTP server, not for
our code): one refusing the address for good (550), one busy (421, "try again later")."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        raise smtplib.SMTPRecipientsRefused(
            {m.to[0]: (550, b"5.1.1 no such mailbox") for m in email_messages}
        )


class BusyBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        raise smtplib.SMTPDataError(421, b"4.3.2 too busy, try again later")
