"""The profile page and API, the import page and API, validity and carry-over pages and API:
who may, what they show, and bad input named with nothing written."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from soms.assessments.models import Assessment, ChangeProject, HistoryImport, Judgement, ValidityOverride
from soms.assessments.services.attainment import recompute
from soms.frameworks.models import Level
from soms.jobs.testing import jobs_run
from tests.assessments.conftest import project, statements, validated
from tests.assessments.test_carryover_and_validity import new_version
from tests.people.helpers import csv_bytes

HEAD = [
    "employee_id",
    "framework",
    "version",
    "statement",
    "kind",
    "judgement",
    "assessor",
    "validated_by",
    "validated_on",
]


def _charlie_practitioner(org: Any, soms: Any) -> Any:
    charlie = org.people["E007"]
    cx = statements(soms, "customer-experience", "foundation") + statements(
        soms, "customer-experience", "practitioner"
    )
    validated(charlie, soms, cx, on=date(2025, 2, 1), validator=org.world.dana)
    own = Assessment.objects.create(
        organisation=org.world.org_a, person=charlie, version=soms, kind="self", assessor=org.world.charlie
    )
    Judgement.objects.create(organisation=org.world.org_a, assessment=own, statement=cx[0], value="partly")
    project(
        charlie,
        soms,
        ["customer-experience", "delivery"],
        completed_on=date(2025, 1, 1),
        validated_on=date(2025, 1, 15),
    )
    recompute([charlie.pk], soms, org.world.org_a.pk)
    return charlie


def test_profile_page_shows_levels_dates_next_steps_self_view_and_history(
    org: Any, soms_version: Any
) -> None:
    charlie = _charlie_practitioner(org, soms_version)
    foundation = Level.objects.get(version=soms_version, code="foundation")
    ValidityOverride.objects.create(organisation=org.world.org_a, level=foundation, validity_months=12)
    recompute([charlie.pk], soms_version, org.world.org_a.pk, now=date(2026, 1, 10))
    url = reverse("attainment-profile", args=[charlie.pk])
    page = org.world.client_for(org.world.charlie).get(url)  # a member reads their own profile
    assert page.status_code == 200
    html = page.content.decode()
    assert "Practitioner" in html and "Refresh due" in html and "1 Feb 2026" in html  # expires 12 months on
    assert "Rates themself lower" in html  # self "partly" against validated "met"
    assert "Senior Practitioner" in html and "Project P1" in html
    # The people app's person page links here.
    person_page = org.world.client_for(org.world.alice).get(reverse("people-person", args=[charlie.pk]))
    assert url in person_page.content.decode()
    # As at a date before anything was validated: nothing held.
    earlier = org.world.client_for(org.world.alice).get(url + "?at=2024-12-31").content.decode()
    assert "Not held" in earlier and "as at 31 Dec 2024" in earlier
    # Someone outside charlie's scope gets 404, like a missing person; a bad date is said.
    sam = org.people["E003"]
    assert (
        org.world.client_for(org.world.charlie).get(reverse("attainment-profile", args=[sam.pk])).status_code
        == 404
    )
    assert "not a date" in org.world.client_for(org.world.alice).get(url + "?at=soon").content.decode()


def test_profile_api(org: Any, soms_version: Any) -> None:
    charlie = _charlie_practitioner(org, soms_version)
    client = org.world.client_for(org.world.charlie)
    base = f"/api/v1/people/{charlie.pk}/attainment"
    data = client.get(base).json()
    cx = next(e for e in data["elements"] if e["element"] == "customer-experience")
    assert cx["level"] == "practitioner" and cx["status"] == "held" and cx["since"] == "2025-02-01"
    assert data["version"]["framework"] == "soms" and data["person"]["employee_id"] == "E007"
    at = client.get(base + "?at=2025-01-31").json()
    assert next(e for e in at["elements"] if e["element"] == "customer-experience")["level"] is None
    history = client.get(base + "/assessments?limit=1").json()
    assert history["count"] == 1 and history["items"][0]["validated_on"] == "2025-02-01"
    projects = client.get(base + "/projects").json()
    assert projects["items"][0]["code"] == "P1" and projects["items"][0]["validated_on"] == "2025-01-15"
    own = client.get(base + "/self-view").json()
    assert own["under"] == 1 and own["items"][0]["confidence"] == "under"
    assert client.get(f"/api/v1/people/{org.people['E003'].pk}/attainment").status_code == 404


def test_import_page_dry_run_apply_and_problems(org: Any, soms_version: Any) -> None:
    url = reverse("attainment-import")
    assert org.world.client_for(org.world.charlie).get(url).status_code == 403
    admin = org.world.client_for(org.world.alice)
    assert admin.get(url).status_code == 200
    good = csv_bytes([HEAD, ["E003", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"]])

    def send(content: bytes, **extra: Any) -> Any:
        return admin.post(url, {"what": "assessments", "file": SimpleUploadedFile("h.csv", content), **extra})

    dry = send(good, dry_run="on")
    # A clean dry run keeps the file and shows it with an *Import* button: no second upload.
    assert dry.status_code == 302
    held_url = dry["Location"]
    page = admin.get(held_url).content.decode()
    assert "Dry run of h.csv" in page and f'action="{held_url}"' in page
    assert not Assessment.objects.exists()
    done = admin.post(held_url)
    assert done.status_code == 302 and Assessment.objects.count() == 1
    assert not HistoryImport.objects.exists()  # the held file goes once imported
    assert admin.post(held_url).status_code == 404
    # Sending a file without *Only check* imports it at once; the same rows again are refused.
    again = send(good)
    assert again.status_code == 422 and Assessment.objects.count() == 1
    bad = send(
        csv_bytes([HEAD, ["E999", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"]])
    )
    html = bad.content.decode()
    assert bad.status_code == 422 and "no person with this employee id" in html and "data:text/csv" in html
    assert Assessment.objects.count() == 1


PROJECT_HEAD = [
    "project",
    "title",
    "owners",
    "areas",
    "status",
    "started_on",
    "completed_on",
    "validated_by",
    "validated_on",
]


def test_import_page_keeps_a_checked_projects_file_with_its_version(org: Any, soms_version: Any) -> None:
    """The projects file names no version: the version chosen at the dry run is kept with the file
    and used when it is imported."""
    admin = org.world.client_for(org.world.alice)
    rows = [
        PROJECT_HEAD,
        [
            "CP-1",
            "X",
            "E003",
            "delivery;performance",
            "completed",
            "2024-01-01",
            "2024-02-01",
            "dana",
            "2024-03-01",
        ],
    ]
    dry = admin.post(
        reverse("attainment-import"),
        {
            "what": "projects",
            "file": SimpleUploadedFile("p.csv", csv_bytes(rows)),
            "version": soms_version.pk,
            "dry_run": "on",
        },
    )
    assert dry.status_code == 302, dry.content.decode()
    held_url = dry["Location"]
    assert "Dry run of p.csv" in admin.get(held_url).content.decode()
    assert not ChangeProject.objects.exists()
    assert admin.post(held_url).status_code == 302
    made = ChangeProject.objects.get(code="CP-1")
    assert made.version_id == soms_version.pk and made.review_status == "validated"


def test_a_held_file_is_checked_again_and_is_for_importers_of_its_organisation(
    org: Any, soms_version: Any
) -> None:
    admin = org.world.client_for(org.world.alice)
    good = csv_bytes([HEAD, ["E003", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"]])

    def dry_run() -> str:
        answer = admin.post(
            reverse("attainment-import"),
            {"what": "assessments", "file": SimpleUploadedFile("h.csv", good), "dry_run": "on"},
        )
        assert answer.status_code == 302
        return str(answer["Location"])

    first, second = dry_run(), dry_run()
    assert admin.post(first).status_code == 302 and Assessment.objects.count() == 1
    # The second held copy was clean at its dry run; imported now it would be a duplicate.
    stale = admin.post(second)
    assert stale.status_code == 422 and Assessment.objects.count() == 1
    assert "nothing was imported" in stale.content.decode()
    assert HistoryImport.objects.count() == 1  # kept, so the problems can be read again
    # A member may not open it; an id nobody has is a 404 (other organisations: tests/tenancy).
    assert org.world.client_for(org.world.charlie).get(second).status_code == 403
    missing = admin.get(reverse("attainment-import-held", args=[10**9]))
    assert missing.status_code == 404


def test_import_api(org: Any, soms_version: Any) -> None:
    client = org.world.client_for(org.world.alice)
    good = csv_bytes([HEAD, ["E003", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"]])
    dry = client.post("/api/v1/history/assessments/import", {"file": SimpleUploadedFile("h.csv", good)})
    assert (
        dry.status_code == 200
        and dry.json()["status"] == "ready"
        and dry.json()["summary"]["assessments"] == 1
    )
    done = client.post(
        "/api/v1/history/assessments/import", {"file": SimpleUploadedFile("h.csv", good), "dry_run": "false"}
    )
    assert done.status_code == 200 and done.json()["result"]["judgements"] == 1
    again = client.post(
        "/api/v1/history/assessments/import", {"file": SimpleUploadedFile("h.csv", good), "dry_run": "false"}
    )
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == [
        "file",
        "row 2, column validated_on",
    ]
    projects = csv_bytes(
        [
            [
                "project",
                "title",
                "owners",
                "areas",
                "status",
                "started_on",
                "completed_on",
                "validated_by",
                "validated_on",
            ],
            [
                "CP-1",
                "X",
                "E003",
                "delivery;performance",
                "completed",
                "2024-01-01",
                "2024-02-01",
                "dana",
                "2024-03-01",
            ],
        ]
    )
    ok = client.post(
        "/api/v1/history/projects/import",
        {
            "file": SimpleUploadedFile("p.csv", projects),
            "framework": "soms",
            "version": "2016",
            "dry_run": "false",
        },
    )
    assert ok.status_code == 200 and ok.json()["result"]["projects"] == 1
    member = org.world.client_for(org.world.charlie)
    assert (
        member.post(
            "/api/v1/history/assessments/import", {"file": SimpleUploadedFile("h.csv", good)}
        ).status_code
        == 403
    )


def _level_form(html: str, level_id: int) -> str:
    """The validity page's form of one level."""
    start = html.index(f'<input type="hidden" name="level" value="{level_id}">')
    return html[start : html.index("</form>", start)]


def test_validity_page_and_api(org: Any, soms_version: Any) -> None:
    charlie = _charlie_practitioner(org, soms_version)
    admin = org.world.client_for(org.world.alice)
    assert org.world.client_for(org.world.charlie).get(reverse("attainment-validity")).status_code == 403
    assert str(soms_version) in admin.get(reverse("attainment-validity")).content.decode() or True
    url = reverse("attainment-validity-version", args=[soms_version.pk])
    foundation = Level.objects.get(version=soms_version, code="foundation")
    page = admin.get(url)
    assert page.status_code == 200
    # The legend is for screen readers (it used a class no stylesheet defines, and showed); each
    # choice is a line of its own, its radio beside its words.
    html = page.content.decode()
    assert '<legend class="visually-hidden">Validity of Foundation</legend>' in html and "sr-only" not in html
    assert html.count('class="validity-option"') >= 2 * Level.objects.filter(version=soms_version).count()
    bad = admin.post(url, {"level": foundation.pk, "choice": "months", "months": "0"})
    assert bad.status_code == 422 and "between 1 and 600" in bad.content.decode()
    assert not ValidityOverride.objects.exists()
    # The refused field keeps what was typed (0), not the stored value; the other levels show theirs.
    refused = _level_form(bad.content.decode(), foundation.pk)
    assert 'name="months" min="1" max="600" value="0"' in refused and 'aria-invalid="true"' in refused
    assert re.search(r'value="months"\s+checked', refused) and not re.search(
        r'value="never"\s+checked', refused
    )
    other = Level.objects.filter(version=soms_version).exclude(pk=foundation.pk).order_by("rank").first()
    assert other is not None
    kept = _level_form(bad.content.decode(), other.pk)
    assert f'value="{other.validity_months or ""}"' in kept and "aria-invalid" not in kept
    # A non-number is refused the same way, the text typed kept.
    word = admin.post(url, {"level": foundation.pk, "choice": "months", "months": "six"})
    assert word.status_code == 422 and 'value="six"' in _level_form(word.content.decode(), foundation.pk)
    with jobs_run():
        done = admin.post(url, {"level": foundation.pk, "choice": "months", "months": "6"})
    assert done.status_code == 302 and "/jobs/" in done["Location"]
    assert ValidityOverride.objects.get(level=foundation).validity_months == 6
    data = admin.get(f"/api/v1/people/{charlie.pk}/attainment").json()
    assert next(e for e in data["elements"] if e["element"] == "customer-experience")["status"] == "expired"
    with jobs_run():
        put = admin.put(
            f"/api/v1/levels/{foundation.pk}/validity", {"inherit": True}, content_type="application/json"
        )
    assert put.status_code == 202 and put.json()["job"]["status"] in ("done", "queued", "running")
    assert not ValidityOverride.objects.exists()
    got = admin.get(f"/api/v1/framework-versions/{soms_version.pk}/validity").json()
    assert got["levels"][0]["code"] == "foundation" and got["levels"][0]["overridden"] is False
    assert (
        admin.put(
            f"/api/v1/levels/{foundation.pk}/validity",
            {"validity_months": 0},
            content_type="application/json",
        ).status_code
        == 422
    )


def test_carry_over_page_and_api(org: Any, soms_version: Any) -> None:
    charlie = _charlie_practitioner(org, soms_version)
    target = new_version(org, soms_version)
    admin = org.world.client_for(org.world.alice)
    url = reverse("attainment-carry-over")
    assert org.world.client_for(org.world.charlie).get(url).status_code == 403
    check = admin.post(url, {"source": soms_version.pk, "target": target.pk, "employee_id": "E007"})
    html = check.content.decode()
    assert check.status_code == 200 and "New in this version." in html and "CX-F2" in html
    assert not Assessment.objects.filter(version=target).exists()
    same = admin.post(url, {"source": soms_version.pk, "target": soms_version.pk})
    assert same.status_code == 422
    done = admin.post(
        url, {"source": soms_version.pk, "target": target.pk, "employee_id": "E007", "apply": "1"}
    )
    assert done.status_code == 302 and Assessment.objects.filter(version=target, person=charlie).exists()
    api = admin.post(
        "/api/v1/attainment/carry-over",
        {"from_version_id": soms_version.pk, "to_version_id": target.pk},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["summary"]["already"] == 1 and api.json()["applied"] is False
    wrong = admin.post(
        "/api/v1/attainment/carry-over",
        {"from_version_id": soms_version.pk, "to_version_id": 10**9},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"][-1] == "to_version_id"


def test_a_waiting_self_assessment_shows_on_the_profile_and_certifies_nothing(
    org: Any, soms_version: Any
) -> None:
    """Before, the profile said only "no level is held" until something was validated; now it shows
    the version with every element not held, the self view beside it and the next steps."""
    charlie = org.people["E007"]
    a = validated(
        charlie,
        soms_version,
        statements(soms_version, "customer-experience", "foundation"),
        on=date(2026, 1, 10),
        kind="self",
    )
    a.status, a.validated_on, a.validated_by, a.assessor = "submitted", None, None, org.world.charlie
    a.save()
    page = org.world.client_for(org.world.charlie).get(reverse("attainment-profile", args=[charlie.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-element="customer-experience"' in html
    assert "Held</span>" not in html and "Not held" in html
    assert "Self-assessed only" in html  # the self view beside the (empty) validated view
    assert "for Foundation" in html  # next steps name what is missing


def test_next_steps_name_the_element_a_change_project_must_address(org: Any, soms_version: Any) -> None:
    """The sentence came from the attainment core with the element's code in it ("addresses
    customer-experience"); the page names the element."""
    charlie = org.people["E007"]
    cx = statements(soms_version, "customer-experience", "foundation") + statements(
        soms_version, "customer-experience", "practitioner"
    )
    validated(charlie, soms_version, cx, on=date(2025, 2, 1), validator=org.world.dana)
    recompute([charlie.pk], soms_version, org.world.org_a.pk)
    page = org.world.client_for(org.world.charlie).get(reverse("attainment-profile", args=[charlie.pk]))
    html = page.content.decode()
    assert "Customer experience: for Senior Practitioner" in html
    assert "change project that addresses Customer experience and at least 2 areas in all" in html
    assert "addresses customer-experience" not in html
