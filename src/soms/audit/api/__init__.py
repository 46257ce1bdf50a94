"""The Service Audit Tool's API: templates, audits, answers, consensus, findings, actions, reports."""

from soms.audit.api.routes import router

__all__ = ["router"]
