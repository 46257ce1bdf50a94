"""Reads for people, structure and role profiles, always narrowed by the member's scope."""

from soms.people.selectors.coverage import (
    VersionTargets,
    coverage_targets_by_version,
    coverage_targets_for,
)

__all__ = ["VersionTargets", "coverage_targets_by_version", "coverage_targets_for"]
