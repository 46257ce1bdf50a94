"""Deploy checks: `soms check --deploy` refuses an insecure production set-up and says what to fix."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


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
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "Production runs on SQLite.",
                hint="Set SOMS_DATABASE_URL=postgres://… for many users.",
                id="soms.W001",
            )
        )
    return problems
