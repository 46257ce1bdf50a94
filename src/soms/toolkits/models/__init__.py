"""Saved results of every toolkit, one module per toolkit; Django finds the models through this package."""

from soms.toolkits.models.capacity import CapacityStudy

__all__ = ["CapacityStudy"]
