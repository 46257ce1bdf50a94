"""The rules of a framework version, stored as data (domain.md section 2).

Nothing in the attainment code special-cases SOMS: it reads these rules.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from soms.fields import NulFree


class ChangeProjectRule(NulFree):
    model_config = ConfigDict(extra="forbid")

    level: str = Field(description="Code of the level that needs a completed, validated change project.")
    min_areas: int = Field(2, ge=1, description="How many areas the project must address in all.")
    must_address_element: bool = Field(
        True, description="The project must address the element in which the level is claimed."
    )


class StandingRule(NulFree):
    """One step of the overall standing: `label` when `elements` elements are at `level` or above."""

    model_config = ConfigDict(extra="forbid")

    label: str
    level: str
    elements: Literal["all"] | int = "all"


class CapabilityExpectation(NulFree):
    """For capability models: how many specialists (and backups) each capability wants."""

    model_config = ConfigDict(extra="forbid")

    specialist_min_level: str
    specialists_wanted: int = Field(1, ge=0)
    backup_min_level: str | None = None
    backups_wanted: int = Field(1, ge=0)


ValidatorRole = Literal["owner", "admin", "assessor", "manager"]
VALIDATOR_ROLES: tuple[ValidatorRole, ...] = ("owner", "admin", "assessor", "manager")


class FrameworkRules(NulFree):
    model_config = ConfigDict(extra="forbid")

    cumulative_levels: bool = Field(True, description="A level needs every lower level in the same element.")
    validator_roles: list[ValidatorRole] = Field(
        default_factory=lambda: list(VALIDATOR_ROLES),
        description="Roles whose validation certifies a statement. Self-assessment never certifies.",
    )
    level_requires_all_statements: bool = Field(
        True, description="A level is held only when every statement of that level is validated."
    )
    areas: Literal["elements", "sub_areas"] = Field(
        "elements", description="What counts as an area for change projects."
    )
    change_project: ChangeProjectRule | None = None
    standing: list[StandingRule] = Field(
        default_factory=list, description="Overall standing, highest first; the first that holds applies."
    )
    refresh_due_months_before: int = Field(
        3, ge=0, description="How long before a level expires it shows as 'refresh due'."
    )
    expectations: CapabilityExpectation | None = None
    scale_note: str = ""

    @model_validator(mode="after")
    def _distinct_standing(self) -> FrameworkRules:
        labels = [s.label for s in self.standing]
        if len(labels) != len(set(labels)):
            raise ValueError("standing labels must be distinct")
        return self

    def level_references(self, code: str) -> list[str]:
        """Where the rules name the level `code`, in words for people ("standing 'Expert'")."""
        out = []
        if self.change_project and self.change_project.level == code:
            out.append("the change project rule")
        out += [f"standing {s.label!r}" for s in self.standing if s.level == code]
        if self.expectations and self.expectations.specialist_min_level == code:
            out.append("the specialist expectation")
        if self.expectations and self.expectations.backup_min_level == code:
            out.append("the backup expectation")
        return out

    def with_level_renamed(self, old: str, new: str) -> FrameworkRules:
        """The same rules with every mention of level `old` naming `new` instead."""
        data = self.model_dump(mode="json")
        if data["change_project"] and data["change_project"]["level"] == old:
            data["change_project"]["level"] = new
        for step in data["standing"]:
            if step["level"] == old:
                step["level"] = new
        if data["expectations"]:
            for key in ("specialist_min_level", "backup_min_level"):
                if data["expectations"][key] == old:
                    data["expectations"][key] = new
        return FrameworkRules.model_validate(data)

    def level_codes_used(self) -> set[str]:
        codes = {s.level for s in self.standing}
        if self.change_project:
            codes.add(self.change_project.level)
        if self.expectations:
            codes.add(self.expectations.specialist_min_level)
            if self.expectations.backup_min_level:
                codes.add(self.expectations.backup_min_level)
        return codes
