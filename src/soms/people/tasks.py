"""Tasks of the people app, run by the worker when due (Django's tasks API, soms.jobs.worker)."""

from __future__ import annotations

from django.tasks import task


@task
def invitation_send_again(invitation_id: int, attempt: int, due: str) -> str:
    """The next try of an invitation mail whose last send failed for a reason that passes, scheduled
    for when it is due (soms.people.services.invitations); nothing when it was overtaken meanwhile."""
    from soms.people.services.invitations import invitation_send_due

    invitation = invitation_send_due(invitation_id=invitation_id, attempt=attempt, due=due)
    return "overtaken" if invitation is None else str(invitation.send_status)
