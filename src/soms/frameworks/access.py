"""Frameworks by id, as a member may reach them, and who may change them.

Built-in frameworks (no organisation) are readable by every member and writable by none; an
organisation's own frameworks only by its members. Another organisation's framework, version or
item answers 404 exactly like a missing id; a role too weak for a write answers 403 before the
lookup, so the refusal never tells whether the id exists.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q

from soms.frameworks.models import Framework, FrameworkImport, FrameworkVersion, VersionStatus
from soms.frameworks.selectors.versions import frameworks_visible_to
from soms.frameworks.services.authoring import ITEM_MODELS
from soms.tenancy.access import get_in_organisation, get_or_not_found, require
from soms.tenancy.models import Membership
from soms.tenancy.permissions import can, object_rule

READ_ONLY_BUILTIN = "Built-in frameworks are read-only; adapt one into your organisation to change it."


def _organisation_id(membership: Membership | None) -> int | None:
    # The API lets a signed-in user without a membership read the built-in frameworks.
    return membership.organisation_id if membership is not None else None


def visible_q(membership: Membership | None, prefix: str = "") -> Q:
    """Frameworks (or, with a prefix such as "framework__", their versions) the member can read."""
    return Q(**{f"{prefix}organisation__isnull": True}) | Q(
        **{f"{prefix}organisation": _organisation_id(membership)}
    )


def reads_drafts(membership: Membership | None) -> bool:
    """Drafts are work in progress of the framework's authors: only roles with
    "framework_version.read_draft" see them, their comparisons and their exports. Everyone else
    sees published versions only; a draft's id answers them 404, like a missing one."""
    return can(membership, "framework_version.read_draft")


def readable_versions_q(membership: Membership | None, prefix: str = "") -> Q:
    return Q() if reads_drafts(membership) else Q(**{f"{prefix}status": VersionStatus.PUBLISHED})


def framework_for(
    membership: Membership | None, framework_id: Any, *, action: str | None = None
) -> Framework:
    """A framework the member can read (and, with `action`, whose role allows it: 403 first)."""
    if action is not None:
        require(membership, action)
    organisation = membership.organisation if membership is not None else None
    return get_or_not_found(
        frameworks_visible_to(organisation=organisation, drafts=reads_drafts(membership)),
        pk=framework_id,
        missing=f"No framework with id {framework_id}",
    )


def framework_version_for(
    membership: Membership | None, version_id: Any, *, action: str | None = None
) -> FrameworkVersion:
    """A version the member can read; with `action="framework_version.author"` one they may
    author: the role is checked first (403), then the lookup (404), then a built-in version is
    refused (403). A published version of their own is returned: pages and API say why it cannot
    change (it is not a permission matter but a state one)."""
    if action is not None:
        require(membership, action)
    version = get_or_not_found(
        FrameworkVersion.objects.select_related("framework"),
        visible_q(membership, "framework__"),
        readable_versions_q(membership),
        pk=version_id,
        missing=f"No framework version with id {version_id}",
    )
    if action is not None and version.framework.organisation_id is None:
        raise PermissionDenied(READ_ONLY_BUILTIN)
    return version


def authoring_version_for(membership: Membership | None, version_id: Any) -> FrameworkVersion:
    return framework_version_for(membership, version_id, action="framework_version.author")


def version_item_for(*, version: FrameworkVersion, kind: str, item_id: Any) -> Any:
    model: type[Model] = ITEM_MODELS[kind]
    return get_or_not_found(
        model._default_manager.all(),
        version=version,
        pk=item_id,
        missing=f"No such {kind[:-1]} in this version",
    )


@object_rule("framework_version.author")
def _may_author(membership: Membership, version: FrameworkVersion) -> bool:
    """A draft of the member's own organisation's framework (built-ins and published never)."""
    return not version.is_published and version.framework.organisation_id == membership.organisation_id


@object_rule("framework_version.adapt")
def _may_adapt(membership: Membership, version: FrameworkVersion) -> bool:
    """Any published version the member can read (built-in or their own) can be started from."""
    return version.is_published


def pending_import_for(membership: Membership | None, import_id: Any) -> FrameworkImport:
    """A held framework upload of the member's organisation (importers only: 403 first)."""
    member = require(membership, "framework.import")
    return get_in_organisation(FrameworkImport.objects.all(), member.organisation_id, import_id)
