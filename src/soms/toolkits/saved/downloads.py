"""A saved toolkit result as a file (CSV, SVG or JSON): one answer for pages and API."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify

from soms.toolkits.models.saved import SavedResult
from soms.toolkits.saved.kinds import SavedKind

DOWNLOAD_TYPES = {"csv": "text/csv; charset=utf-8", "svg": "image/svg+xml", "json": "application/json"}


def result_document(kind: SavedKind, result: SavedResult) -> dict[str, Any]:
    return {
        "id": result.pk,
        "kind": kind.model.RESULT_KIND,
        "name": result.name,
        "description": result.description,
        "organisation": result.organisation.name,
        "created_by": result.created_by.get_username() if result.created_by else None,
        "created_at": result.created_at.isoformat(),
        "updated_at": result.updated_at.isoformat(),
        "revision": result.revision,
        "inputs": result.inputs,
        "results": result.results,
    }


def result_download_response(
    kind: SavedKind, result: SavedResult, fmt: str, chart: str | None
) -> HttpResponse:
    """The result as a file; ``ValueError("field: reason")`` when the parameters cannot be met."""
    if fmt not in DOWNLOAD_TYPES:
        raise ValueError("format: choose csv, svg or json")
    stem = slugify(result.name)[:60] or f"{kind.slug}-{result.pk}"
    if fmt == "csv":
        body = kind.csv(result.inputs, result.results)
    elif fmt == "svg":
        available = kind.charts(result.results)
        chart = chart or available[0]
        if chart not in available:
            raise ValueError(f"chart: this {kind.label} has {', '.join(available)}")
        body = kind.svg(result.name, result.inputs, result.results, chart)
        stem = f"{stem}-{chart}"
    else:
        body = json.dumps(result_document(kind, result), indent=1)
    response = HttpResponse(body, content_type=DOWNLOAD_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
