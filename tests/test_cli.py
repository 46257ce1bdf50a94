from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_soms(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SOMS_", "DJANGO_"))}
    base["DJANGO_SETTINGS_MODULE"] = "soms.settings"
    return subprocess.run(
        [sys.executable, "-m", "soms.cli", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_refuses_an_insecure_production_setup(tmp_path):
    result = run_soms("check", "--deploy", env={"SOMS_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "SOMS_ENV" in out and "SOMS_SECRET_KEY" in out


def test_production_without_secret_key_fails_loudly(tmp_path):
    result = run_soms("check", env={"SOMS_ENV": "production", "SOMS_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SOMS_SECRET_KEY is required" in result.stderr


def test_a_refused_configuration_is_one_line_not_a_traceback(tmp_path):
    for env in ({"SOMS_ENV": "production"}, {"SOMS_DEBUG": "maybe"}):
        result = run_soms("check", "--deploy", env={**env, "SOMS_DATA_DIR": str(tmp_path)})
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and result.stderr.startswith("soms: SOMS_")
        assert len(result.stderr.strip().splitlines()) == 1


def test_nonsense_boolean_is_refused(tmp_path):
    result = run_soms("check", env={"SOMS_DEBUG": "maybe", "SOMS_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SOMS_DEBUG='maybe' is not a boolean" in result.stderr


def test_deploy_check_passes_a_secure_setup(tmp_path):
    env = {
        "SOMS_ENV": "production",
        "SOMS_DATA_DIR": str(tmp_path),
        "SOMS_SECRET_KEY": "k" * 20 + "-Qx9!vR2#pL7@mZ4$wT8%nB6^cY3&hJ5*",
        "SOMS_ALLOWED_HOSTS": "soms.example.org",
        "SOMS_HSTS_SECONDS": "31536000",
        "SOMS_HSTS_INCLUDE_SUBDOMAINS": "1",
        "SOMS_DATABASE_URL": "postgres://soms@db.internal:5432/soms",
    }
    result = run_soms("check", "--deploy", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_demo_is_idempotent_and_prints_the_password_once():
    from soms.site.seeding import seed_demo
    from soms.tenancy.models import Membership, Organisation

    first = seed_demo()
    assert first.admin_password
    counts = (Organisation.objects.count(), Membership.objects.count())
    second = seed_demo()
    assert second.admin_password is None
    assert (Organisation.objects.count(), Membership.objects.count()) == counts
    assert counts[0] == 2
