"""The most that any one request may ask SOMS to hold or compute, in one place.

Bytes alone are no bound: a 4 MB file held 100,000 statements, after which any member could make
the CASE export answer 144 MB in 32 s and the grid 12 MB in 16 s. So every import, framework, plan
and simulation is also bounded by what it contains. Each bound is far above any real framework or
contact centre and low enough that the largest accepted input is served in well under a few
seconds. Anything beyond answers 422 (form error, CLI error) naming the limit; README lists them.

Pure constants (no Django import), so the core, the schemas, the services and the README table can
all read the same numbers. The capacity bounds live with the capacity core and are re-exported here.
"""

from __future__ import annotations

from soms.core.capacity.limits import (
    MAX_AGENTS,
    MAX_CALLS_PER_INTERVAL,
    MAX_HANDLE_TIME_SECONDS,
    MAX_INTERVALS,
    MAX_SIMULATED_AGENTS,
    MAX_SIMULATED_CALLS,
)
from soms.core.safeload import MAX_DEPTH as MAX_NESTING_DEPTH

# --- frameworks (imports, authoring, copies) ------------------------------------------------------

# Statements in one framework version. The largest public frameworks (CASE state standards, SFIA's
# skills x levels) hold a few thousand; 20,000 is written in under half a second and exported or
# drawn as a grid in a few seconds.
MAX_STATEMENTS = 20_000
# Elements (the grid's rows) in one version.
MAX_ELEMENTS = 2_000
# Levels (the grid's columns) in one version; ranks run from 1 to 100.
MAX_LEVELS = 20
# Areas a version declares.
MAX_AREAS = 2_000
# References to other frameworks (CASE associations SOMS keeps as references).
MAX_EXTERNAL_ASSOCIATIONS = 20_000
# Statements under statements: how deep a tree below an element may go.
MAX_TREE_DEPTH = 32
# Characters of one long text (a description, notes).
MAX_TEXT_LENGTH = 10_000
# Characters of one statement: what a person at a level can do, a sentence or a short paragraph.
# 4,000 is about 600 words, far beyond any statement of a published framework, and still reads in
# a grid cell; the same bound holds in the form, the API and every import format.
MAX_STATEMENT_LENGTH = 4_000
# Rows of a CSV import: one per statement, plus rows declaring elements and levels without any.
MAX_CSV_ROWS = MAX_STATEMENTS + MAX_ELEMENTS + MAX_LEVELS
# Columns of a CSV import: the format has 15; a header far wider is refused before it is read.
MAX_CSV_COLUMNS = 50
# Items and associations of a CASE package (every element and statement is an item; associations
# are parents, levels and references).
MAX_CASE_ITEMS = MAX_STATEMENTS + MAX_ELEMENTS
MAX_CASE_ASSOCIATIONS = 3 * MAX_CASE_ITEMS + MAX_EXTERNAL_ASSOCIATIONS
# Values a YAML file may expand to through aliases.
MAX_YAML_NODES = 1_000_000

# --- people (HR imports) and historic imports ------------------------------------------------------

# Columns of a people, historic assessments or projects file (CSV or XLSX): the formats have about
# fifteen, with synonyms; a header far wider is refused before any row is read.
MAX_IMPORT_COLUMNS = 100
# Levels of the org tree and of reporting lines (a unit's path and a person's chain of managers are
# stored as fixed-width ids, so the column width follows from it).
MAX_ORG_DEPTH = 60

# --- assessments (historic imports) ---------------------------------------------------------------

# Rows of one historic assessments or projects file (one judgement or one project a row): ten years
# of a 1,000-person organisation's validated judgements, written in bulk in a few seconds.
MAX_HISTORY_ROWS = 100_000
# --- evidence (soms.assessments) ------------------------------------------------------------------

# Bytes of one uploaded evidence file (a scanned report, a slide deck, a spreadsheet export).
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# What an evidence file may be, told by its content (never by its name): the type we store and send.
EVIDENCE_TYPES: tuple[str, ...] = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "text/csv",
    "text/plain",
)
# Statements one evidence item may support at once.
MAX_EVIDENCE_STATEMENTS = 500
# Outcomes of one change project.
MAX_PROJECT_OUTCOMES = 50
# Questions of one audit template, and scores on one maturity scale.
MAX_AUDIT_QUESTIONS = 500
MAX_MATURITY_ANCHORS = 11

# --- addresses -------------------------------------------------------------------------------------

# Characters of a request's address (path and query string, as sent). No page or API call of SOMS
# needs a thousand (filters are single values; lists of ids go in bodies), so a longer one is a
# mistake (a pasted document, a loop that keeps appending to the query) and answers 414 naming this
# limit, in JSON under /api/ and as a page elsewhere. It sits below gunicorn's request line limit
# (GUNICORN_REQUEST_LINE, the most gunicorn allows), so that the server, not gunicorn's bare HTML,
# answers every address up to that length; past it gunicorn refuses the line before SOMS sees it.
MAX_URL_LENGTH = 4_096
GUNICORN_REQUEST_LINE = 8_190

# --- backups (soms backup / soms restore) ----------------------------------------------------------

# A backup archive is read before anything is restored, and these bound what reading it may cost:
# its listing is held in memory (about a kilobyte a member), its manifest is parsed whole, and each
# table row is parsed as one JSON line. Each is far above what an installation writes (the demo's
# archive holds 78 members, a 27 KB manifest and rows under 20 KB; an upload kept in a row is at
# most SOMS_MAX_UPLOAD_BYTES, which raises the row bound where it is set higher).
MAX_BACKUP_MEMBERS = 1_000_000
MAX_BACKUP_MANIFEST_BYTES = 256 * 1024 * 1024
MAX_BACKUP_ROW_BYTES = 64 * 1024 * 1024
# How many times its packed size a manifest or table member may unpack to (past 1 MiB). SOMS's own
# archives pack its rows 5 to 15 times; deflate allows about 1,000, which is what a zip bomb uses.
MAX_BACKUP_PACKING_RATIO = 200

# --- what runs in the background -------------------------------------------------------------------

# Not refusals but where work runs: a framework import or export of more statements than these is
# written or rendered by a background job (soms.jobs) with a progress page, not inside the request,
# so that request workers stay free. Smaller ones take well under a second and stay inline.
BACKGROUND_IMPORT_STATEMENTS = 2_000
BACKGROUND_EXPORT_STATEMENTS = 2_000
# ... or of more statement text than this (characters): 2,000 statements of MAX_STATEMENT_LENGTH are
# 8 MB, whose CSV, CASE and JSON took 1 to 2 s in the request on a loaded machine (YAML 15 s before
# it was written by libyaml). 2,000,000 characters keep a typical 2,000-statement version (statements
# of 100 to 300 characters) inline and any inline export near a quarter of a second.
BACKGROUND_EXPORT_CHARACTERS = 2_000_000
# A demand plan whose history spans more intervals than this is computed by a job: the forecast and
# its backtest grow with the history (measured on a loaded 2-core machine: the 56-day sample of 2,688
# half-hours in about 0.3 s, 10,000 intervals in about 1.3 s, the largest accepted file of 100,000
# in 9 to 15 s). 5,000 intervals are about 104 days of half-hours or 208 days of hours.
BACKGROUND_PLAN_INTERVALS = 5_000
# A simulation (on its own, or a plan's simulated day) of more simulated calls than this (calls of
# the day × replications) runs in a job: the simulation steps through every caller, about 2 to 5 µs
# each, so 200,000 take about half a second and the largest accepted, 2,000,000, about 9 s. For a
# plan, whose simulated day is only known once forecast, the busiest day of its history stands in.
BACKGROUND_SIMULATED_CALLS = 200_000


# One row per limit, for the README and for messages: (name, value, what it bounds).
TABLE: tuple[tuple[str, int | float, str], ...] = (
    ("MAX_STATEMENTS", MAX_STATEMENTS, "statements in one framework version"),
    ("MAX_ELEMENTS", MAX_ELEMENTS, "elements in one framework version"),
    ("MAX_LEVELS", MAX_LEVELS, "levels in one framework version"),
    ("MAX_AREAS", MAX_AREAS, "areas in one framework version"),
    ("MAX_EXTERNAL_ASSOCIATIONS", MAX_EXTERNAL_ASSOCIATIONS, "references to other frameworks in one version"),
    ("MAX_TREE_DEPTH", MAX_TREE_DEPTH, "statements nested under statements"),
    ("MAX_TEXT_LENGTH", MAX_TEXT_LENGTH, "characters of a description or notes"),
    (
        "MAX_STATEMENT_LENGTH",
        MAX_STATEMENT_LENGTH,
        "characters of one statement (forms, API and every import format)",
    ),
    ("MAX_CSV_ROWS", MAX_CSV_ROWS, "rows of a CSV framework import"),
    ("MAX_CSV_COLUMNS", MAX_CSV_COLUMNS, "columns of a CSV framework import"),
    ("MAX_CASE_ITEMS", MAX_CASE_ITEMS, "CFItems of a CASE package"),
    ("MAX_CASE_ASSOCIATIONS", MAX_CASE_ASSOCIATIONS, "CFAssociations of a CASE package"),
    ("MAX_YAML_NODES", MAX_YAML_NODES, "values a YAML file expands to"),
    (
        "MAX_EVIDENCE_BYTES",
        MAX_EVIDENCE_BYTES,
        "bytes of one evidence file (PDF, PNG, JPEG, XLSX, DOCX, PPTX, CSV, text)",
    ),
    ("MAX_EVIDENCE_STATEMENTS", MAX_EVIDENCE_STATEMENTS, "statements one evidence item supports"),
    ("MAX_PROJECT_OUTCOMES", MAX_PROJECT_OUTCOMES, "outcomes of one change project"),
    ("MAX_AUDIT_QUESTIONS", MAX_AUDIT_QUESTIONS, "questions of one audit template"),
    ("MAX_MATURITY_ANCHORS", MAX_MATURITY_ANCHORS, "scores on one question's maturity scale"),
    (
        "MAX_NESTING_DEPTH",
        MAX_NESTING_DEPTH,
        "levels of nesting in any JSON or YAML read (bodies, files, rules)",
    ),
    ("MAX_IMPORT_COLUMNS", MAX_IMPORT_COLUMNS, "columns of a people, historic assessments or projects file"),
    ("MAX_ORG_DEPTH", MAX_ORG_DEPTH, "levels of the org tree and of reporting lines"),
    ("MAX_HISTORY_ROWS", MAX_HISTORY_ROWS, "rows of a historic assessments or change projects file"),
    ("MAX_INTERVALS", MAX_INTERVALS, "intervals of a demand file or forecast horizon"),
    ("MAX_CALLS_PER_INTERVAL", MAX_CALLS_PER_INTERVAL, "calls in one interval"),
    ("MAX_AGENTS", MAX_AGENTS, "agents in one interval"),
    ("MAX_SIMULATED_AGENTS", MAX_SIMULATED_AGENTS, "agents per interval in a simulation"),
    (
        "MAX_SIMULATED_CALLS",
        MAX_SIMULATED_CALLS,
        "simulated calls of one simulation (calls of the day × replications)",
    ),
    ("MAX_HANDLE_TIME_SECONDS", MAX_HANDLE_TIME_SECONDS, "seconds of average handle time"),
    ("MAX_URL_LENGTH", MAX_URL_LENGTH, "characters of an address (path and query string); longer is a 414"),
    ("MAX_BACKUP_MEMBERS", MAX_BACKUP_MEMBERS, "members (table and media files) of a backup archive"),
    ("MAX_BACKUP_MANIFEST_BYTES", MAX_BACKUP_MANIFEST_BYTES, "bytes of a backup's manifest.json"),
    (
        "MAX_BACKUP_ROW_BYTES",
        MAX_BACKUP_ROW_BYTES,
        "bytes of one row of a backup's table (or twice SOMS_MAX_UPLOAD_BYTES, where that is more)",
    ),
    (
        "MAX_BACKUP_PACKING_RATIO",
        MAX_BACKUP_PACKING_RATIO,
        "times its packed size a backup's manifest or table may unpack to (past 1 MiB)",
    ),
)


def over(what: str, count: int, limit: int, name: str) -> str:
    """'100,000 statements: at most 20,000 are accepted (limit MAX_STATEMENTS)'."""
    return f"{count:,} {what}: at most {limit:,} are accepted (limit {name})"
