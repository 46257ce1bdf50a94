"""Names the edges need without importing the numerics (schemas, forms, choices)."""

from __future__ import annotations

from typing import Literal

ModelName = Literal["seasonal_average", "fourier_regression"]
MODELS: tuple[ModelName, ...] = ("seasonal_average", "fourier_regression")
