"""One organisation's large import must never stop the others (issue 8).

The probe: an admin's crafted import held SQLite's write lock for about a minute, while sign-ins and
writes in *other* organisations answered 500 "database is locked" after 20 s. Here a real server
(gunicorn, SQLite file) takes a large import in organisation A while the owner of organisation B
signs in and creates frameworks; every one of B's requests must succeed (the import is checked in
A's request and written by a background job, in the worker beside the server), and none may be
slowed by more than a second compared with the same request on an idle server.

Every test run has each at a size that takes seconds (over the background-job thresholds, in several
staged transactions); the largest accepted sizes are marked slow (`make bench`).
"""

from __future__ import annotations

import json
import time

import pytest

from soms import limits
from tests.regression import big_inputs
from tests.regression.live import api, b_works_while, live_server

pytestmark = pytest.mark.sqlite_only


def _framework_import_while_b_works(tmp_path, statements: int) -> None:
    """A imports a framework of `statements` statements (more than limits.BACKGROUND_IMPORT_STATEMENTS:
    checked in the request, written by a background job) while B signs in and writes throughout."""
    data = big_inputs.csv_statements(statements)
    with live_server(tmp_path) as (base, tokens):
        result: dict[str, object] = {}

        def import_in_a() -> None:
            started = time.perf_counter()
            result["status"], result["body"] = api(
                base, tokens["alice"], "POST", "/api/v1/frameworks/import?filename=big.csv", raw=data
            )
            result["request_seconds"] = time.perf_counter() - started
            # A file this large is checked in the request and written by a background job.
            if result["status"] == 202:
                url = json.loads(result["body"])["url"]  # type: ignore[arg-type]
                while time.perf_counter() - started < 110:
                    _, body = api(base, tokens["alice"], "GET", url)
                    result["job"] = json.loads(body)
                    if result["job"]["status"] in ("done", "failed"):  # type: ignore[index]
                        break
                    time.sleep(0.3)
            result["seconds"] = time.perf_counter() - started

        b = b_works_while(base, tokens["bob"], import_in_a, within=120)

    assert result["status"] == 202, result["body"][:500]  # type: ignore[index]
    assert result["job"]["status"] == "done", result["job"]  # type: ignore[index]
    b.check(at_least=1, facts=result["seconds"])


def test_a_framework_import_in_one_organisation_does_not_stall_another(tmp_path):
    """Large enough for the background job (3,000 statements), small enough for every test run."""
    assert limits.BACKGROUND_IMPORT_STATEMENTS < 3_000
    _framework_import_while_b_works(tmp_path, 3_000)


@pytest.mark.slow
def test_a_large_import_in_one_organisation_does_not_stall_another(tmp_path):
    """The largest accepted size (limits.MAX_STATEMENTS, 20,000 statements)."""
    _framework_import_while_b_works(tmp_path, limits.MAX_STATEMENTS)


PEOPLE_ROWS = 10_000


def _people_csv(n: int) -> bytes:
    lines = ["employee_id,name,manager_employee_id,unit,team,email,start_date"]
    for i in range(n):
        manager = "" if i == 0 else f"E{(i - 1) // 8:06d}"
        lines.append(
            f"E{i:06d},Person {i},{manager},Ops/Dept {i % 7}/Section {i % 5},Team {i % 3},"
            f"p{i}@example.org,2020-01-{i % 28 + 1:02d}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def _multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "soms-availability-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _hr_import_while_b_works(tmp_path, rows: int, settings: dict[str, str] | None = None) -> None:
    """A checks an HR file of `rows` new people in its request and a background job applies it,
    while B signs in and writes throughout the apply. `settings`: environment for the server."""
    import urllib.request

    with live_server(tmp_path, extra_env=settings) as (base, tokens):
        body, content_type = _multipart({"dry_run": "true"}, "hr.csv", _people_csv(rows))
        req = urllib.request.Request(
            base + "/api/v1/people/import",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {tokens['alice']}", "Content-Type": content_type},
        )
        with urllib.request.urlopen(req, timeout=300) as response:
            checked = json.loads(response.read())
            status = response.status
        if status == 202:  # a large file's rows are checked by a job; wait for it
            started = time.perf_counter()
            while checked["status"] not in ("done", "failed") and time.perf_counter() - started < 280:
                time.sleep(0.3)
                checked = {**checked, **json.loads(api(base, tokens["alice"], "GET", checked["url"])[1])}
            checked = json.loads(api(base, tokens["alice"], "GET", checked["import_url"])[1])
        assert checked["status"] == "ready", checked.get("problems", checked)

        result: dict[str, object] = {}

        def apply_in_a() -> None:
            started = time.perf_counter()
            result["status"], body = api(
                base, tokens["alice"], "POST", f"/api/v1/people/imports/{checked['id']}/apply"
            )
            assert result["status"] == 202, body[:500]
            url = json.loads(body)["url"]
            while time.perf_counter() - started < 280:
                _, body = api(base, tokens["alice"], "GET", url)
                result["job"] = json.loads(body)
                if result["job"]["status"] in ("done", "failed"):  # type: ignore[index]
                    break
                time.sleep(0.3)
            _, body = api(base, tokens["alice"], "GET", f"/api/v1/people/imports/{checked['id']}")
            result["import"] = json.loads(body)
            result["seconds"] = time.perf_counter() - started

        b = b_works_while(base, tokens["bob"], apply_in_a, within=300)

    assert result["job"]["status"] == "done", result["job"]  # type: ignore[index]
    assert result["import"]["summary"]["result"]["created"] == rows  # type: ignore[index]
    worst = b.check(at_least=4, facts=result["seconds"])
    # Shown with -s (make bench): how B fared while A imported.
    print(
        f"\n{rows} rows applied in {result['seconds']:.1f} s; B made {len(b.during)} requests, "
        f"at most {worst:.2f} s slower than idle ({b.baseline})"
    )


# The same paths at a size for every run: 2,000 people, staged in ten transactions of 200, the file
# checked by a job (it is over 32 KiB) and applied by one (over 500 rows).
SMALL_HR_SETTINGS = {
    "SOMS_PEOPLE_IMPORT_STAGE_ROWS": "200",
    "SOMS_PEOPLE_IMPORT_INLINE_ROWS": "500",
    "SOMS_PEOPLE_IMPORT_INLINE_CHECK_BYTES": str(32 * 1024),
}


def test_a_staged_hr_import_in_one_organisation_does_not_stall_another(tmp_path):
    _hr_import_while_b_works(tmp_path, 2_000, SMALL_HR_SETTINGS)


@pytest.mark.slow
def test_a_large_hr_import_in_one_organisation_does_not_stall_another(tmp_path):
    """10,000 new people: more than one staged transaction holds (SOMS_PEOPLE_IMPORT_STAGE_ROWS),
    so the job writes them in short transactions, hidden until the last one; none of B's requests
    fails or waits more than a second longer than on an idle server."""
    _hr_import_while_b_works(tmp_path, PEOPLE_ROWS)


@pytest.mark.slow
def test_a_50000_row_hr_import_in_one_organisation_does_not_stall_another(tmp_path):
    """The issue's size: 50,000 new people applied by the job while B signs in and writes (measured
    2026-12-02 at load 18: 46 of B's requests during a 31 s apply, at most 0.54 s slower than idle)."""
    _hr_import_while_b_works(tmp_path, 50_000)
