"""Deploy checks: `soms check --deploy` refuses an insecure production set-up and says what to fix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


def sqlite_database_missing() -> Path | None:
    """The SQLite database file that settings name but that is not on disk, else None."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("sqlite3"):
        return None
    name = str(db["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return None
    path = Path(name)
    return None if path.exists() else path


@register(deploy=True)
def soms_deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.ENVIRONMENT != "production":
        problems.append(
            Error("SOMS_ENV is not 'production'.", hint="Set SOMS_ENV=production.", id="soms.E001")
        )
    if settings.DEBUG:
        problems.append(Error("SOMS_DEBUG is on.", hint="Unset SOMS_DEBUG or set it to 0.", id="soms.E002"))
    if not os.environ.get("SOMS_SECRET_KEY", "").strip():
        problems.append(
            Error(
                "SOMS_SECRET_KEY is not set; a generated development key is in use.",
                hint="Set SOMS_SECRET_KEY to a long random value kept outside the repo.",
                id="soms.E003",
            )
        )
    elif len(settings.SECRET_KEY) < 50:
        problems.append(
            Error(
                "SOMS_SECRET_KEY is shorter than 50 characters.",
                hint="Use e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="soms.E004",
            )
        )
    local = {"127.0.0.1", "localhost", "[::1]", "testserver"}
    if not set(settings.ALLOWED_HOSTS) - local or "*" in settings.ALLOWED_HOSTS:
        problems.append(
            Error(
                "SOMS_ALLOWED_HOSTS does not name the public host name(s).",
                hint="Set SOMS_ALLOWED_HOSTS=soms.example.org (comma-separated).",
                id="soms.E005",
            )
        )
    if not settings.SESSION_COOKIE_SECURE:
        problems.append(
            Error(
                "Cookies are sent over plain HTTP.",
                hint="Set SOMS_SECURE_COOKIES=1 (serve over HTTPS).",
                id="soms.E006",
            )
        )
    data_dir = Path(settings.DATA_DIR)
    if not data_dir.is_dir():
        problems.append(
            Error(
                f"The data directory {data_dir} does not exist.",
                hint="Create it (it holds the database, uploads and static files) or set SOMS_DATA_DIR.",
                id="soms.E007",
            )
        )
    missing = sqlite_database_missing()
    if missing is not None and data_dir.is_dir():
        problems.append(
            Error(
                f"There is no database at {missing}.",
                hint="Run `soms migrate` to create it, or set SOMS_DATABASE_URL to the one in use.",
                id="soms.E008",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "Production runs on SQLite.",
                hint="Set SOMS_DATABASE_URL=postgres://… for many users.",
                id="soms.W001",
            )
        )
    return problems
