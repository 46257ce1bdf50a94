"""The shared command line of the saved-result toolkits: ``analyse FILE``, ``list`` and ``export``.

``analyse`` reads a JSON file in the same shape as the API's ``…/analyse`` body, prints the
figures (or ``--json``) and, with ``--save --org SLUG --name NAME``, saves the result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError as PydanticError
from rich.console import Console

from soms.core.problems import Invalid
from soms.core.safeload import json_loads
from soms.core.toolkit_input import ToolkitInputError
from soms.tenancy.models import Organisation
from soms.toolkits.saved import selectors, services
from soms.toolkits.saved.downloads import result_download_response
from soms.toolkits.saved.kinds import SavedKind


def problems_text(exc: ToolkitInputError | PydanticError) -> str:
    if isinstance(exc, ToolkitInputError):
        lines = [f"  {'.'.join(str(x) for x in p.loc) or 'input'}: {p.message}" for p in exc.problems]
    else:
        lines = [f"  {'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]
    return "the input has problems:\n" + "\n".join(lines)


def organisation_for(slug: str | None) -> Organisation:
    if not slug:
        raise CommandError("--org: give the organisation's slug")
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        raise CommandError(f"--org: no organisation with the slug {slug!r}")
    return org


class SavedKindCommand(BaseCommand):
    kind: SavedKind

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{analyse,list,export}")
        a = sub.add_parser(
            "analyse", help=f"compute a {self.kind.label} from a JSON file (as the API takes it)"
        )
        a.add_argument("file", help="JSON file; '-' reads standard input")
        a.add_argument("--json", action="store_true", help="print the whole result as JSON")
        a.add_argument("--save", action="store_true", help="save it (needs --org and --name)")
        a.add_argument("--org", help="organisation slug")
        a.add_argument("--name", help="name to save it under")
        ls = sub.add_parser("list", help=f"saved {self.kind.label}s of an organisation")
        ls.add_argument("--org", required=True, help="organisation slug")
        ex = sub.add_parser("export", help=f"write a saved {self.kind.label} as CSV, SVG or JSON")
        ex.add_argument("id", type=int)
        ex.add_argument("--org", required=True, help="organisation slug")
        ex.add_argument("--format", choices=["csv", "svg", "json"], default="json")
        ex.add_argument("--chart", help="for SVG: which picture")
        ex.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **o: Any) -> None:
        getattr(self, f"_{o['action']}")(o)

    def _read(self, path: str) -> Any:
        try:
            text = self.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")  # type: ignore[attr-defined]
        except OSError as exc:
            raise CommandError(f"FILE: cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"FILE: {path} is not UTF-8 text") from None
        try:
            # The API's reader: a key given twice, deep nesting and 5,000-digit numbers are named
            # problems, and "12" where a number belongs is refused as it is in the API's body.
            return json_loads(text, refuse_nul=False)
        except Invalid as exc:
            problem = exc.problems[0]
            if problem.type == "json_invalid" and problem.loc:
                what = problem.msg.removeprefix("malformed JSON: ")
                raise CommandError(f"FILE: not JSON ({what} at {problem.location})") from None
            raise CommandError(f"FILE: {problem}") from None

    def _analyse(self, o: dict[str, Any]) -> None:
        if o["save"] and not (o["org"] and o["name"]):
            raise CommandError("--save: give the organisation (--org SLUG) and a name (--name NAME)")
        organisation = organisation_for(o["org"]) if o["org"] else None
        data = self._read(o["file"])
        try:
            inp = self.kind.input_schema.model_validate(data)
            inputs, results = self.kind.compute(inp, organisation)  # type: ignore[arg-type]
        except (ToolkitInputError, PydanticError) as exc:
            raise CommandError(problems_text(exc)) from None
        if o["json"]:
            self.stdout.write(json.dumps({"inputs": inputs, "results": results}, indent=1))
        else:
            self.summary(inputs, results, Console(file=self.stdout, highlight=False, soft_wrap=True))  # type: ignore[arg-type]
        if o["save"]:
            assert organisation is not None
            saved = services.saved_result_create(
                kind=self.kind, organisation=organisation, actor=None, name=o["name"], inputs=inp
            )
            self.stderr.write(f"Saved “{saved.name}” as {self.kind.label} {saved.pk} in {organisation.name}")

    def _list(self, o: dict[str, Any]) -> None:
        org = organisation_for(o["org"])
        for r in selectors.saved_results_for(model=self.kind.model, organisation=org):
            self.stdout.write(f"{r.pk:>6}  {r.updated_at:%Y-%m-%d}  {r.name}")

    def _export(self, o: dict[str, Any]) -> None:
        org = organisation_for(o["org"])
        try:
            result = selectors.saved_result_for(model=self.kind.model, organisation=org, result_id=o["id"])
        except Exception:
            raise CommandError(f"ID: no {self.kind.label} {o['id']} in {org.name}") from None
        try:
            body = result_download_response(self.kind, result, o["format"], o["chart"]).content.decode()
        except ValueError as exc:
            raise CommandError(f"--{exc}") from None
        if o["output"]:
            Path(o["output"]).write_text(body, encoding="utf-8")
            self.stderr.write(f"Wrote {o['output']}")
        else:
            self.stdout.write(body)

    def summary(self, inputs: dict[str, Any], results: dict[str, Any], console: Console) -> None:
        raise NotImplementedError
