"""Saved results of every toolkit, one module per toolkit; Django finds the models through this package."""

from soms.toolkits.models.capacity import CapacityStudy
from soms.toolkits.models.saved import (
    DeliverySystem,
    Kpi,
    KpiMeasurement,
    SavedResult,
    StakeholderMap,
    ValueStreamMap,
)

__all__ = [
    "CapacityStudy",
    "DeliverySystem",
    "Kpi",
    "KpiMeasurement",
    "SavedResult",
    "StakeholderMap",
    "ValueStreamMap",
]
