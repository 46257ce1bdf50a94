"""The edges every bad input passes: the schemas' NUL guard, the spec's error shape, `soms check`."""

from __future__ import annotations

import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from soms.api.router import api
from soms.fields import NulFree, SomsForm


def _models_in(annotation: object) -> typing.Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation)
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _operations() -> list[tuple[str, object]]:
    found = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                found.append((f"{','.join(operation.methods)} /{prefix.strip('/')}{path}", operation))
    return found


@pytest.mark.parametrize(("name", "operation"), _operations(), ids=[n for n, _ in _operations()])
def test_every_input_schema_refuses_nul(name, operation):
    """A new schema that takes text must not let a NUL character through to the database: the
    body and query models of every operation derive from soms.fields.NulFree (Input)."""
    for param_model in operation.signature.models:
        for field in param_model.model_fields.values():
            for model in _models_in(field.annotation):
                if model.__module__.startswith("soms."):
                    assert issubclass(model, NulFree), (
                        f"{name}: {model.__qualname__} is not a soms.fields.Input"
                    )


def test_every_form_refuses_nul():
    from django import forms

    import soms.urls  # noqa: F401 - every page, and so every form, is imported

    def subclasses(cls: type) -> typing.Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [f for f in subclasses(forms.Form) if f.__module__.startswith("soms.")]
    assert ours
    assert all(issubclass(f, SomsForm) for f in ours), [f for f in ours if not issubclass(f, SomsForm)]


def _check_deploy(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "soms.settings",
        "SOMS_ENV": "production",
        "SOMS_SECRET_KEY": "x" * 20 + "y" * 20 + "z" * 20,
        "SOMS_ALLOWED_HOSTS": "soms.example.org",
        "SOMS_SECURE_COOKIES": "1",
        "SOMS_DATA_DIR": str(data_dir),
    }
    env.pop("SOMS_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", "from soms.cli import main; main(['soms', 'check', '--deploy'])"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_check_deploy_reports_a_missing_data_directory_without_creating_it(tmp_path):
    missing = tmp_path / "nowhere" / "var"
    result = _check_deploy(missing)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "soms.E007" in result.stderr and str(missing) in result.stderr
    assert not missing.exists() and not (tmp_path / "nowhere").exists()


def test_check_deploy_never_creates_a_database(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "soms.E008" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
