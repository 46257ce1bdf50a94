"""What each saved-result toolkit tells the shared machinery: its model, input schema and outputs.

Value streams, delivery systems and stakeholder maps are saved, reopened, revised, downloaded and
deleted the same way; only their inputs, computation and pictures differ. A ``SavedKind`` holds
those differences, so the services, API routes and pages are written once.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from soms.tenancy.models import Organisation
from soms.toolkits.models.saved import SavedResult


@dataclass(frozen=True)
class SavedKind:
    model: type[SavedResult]
    slug: str  # in URLs and the API: "value-streams"
    label: str  # in sentences: "value stream map"
    input_schema: type[BaseModel]
    # Validated input -> (inputs to store, results); raises ToolkitInputError naming the field.
    compute: Callable[[BaseModel, Organisation], tuple[dict[str, Any], dict[str, Any]]]
    csv: Callable[[dict[str, Any], dict[str, Any]], str]
    charts: Callable[[dict[str, Any]], list[str]]
    svg: Callable[[str, dict[str, Any], dict[str, Any], str], str]  # (name, inputs, results, chart)
    extra_fields: tuple[str, ...] = ()  # model columns set from the input besides name/description


def plain(value: Any) -> Any:
    """Core results (dataclasses, enums, tuples, mappings) as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value
