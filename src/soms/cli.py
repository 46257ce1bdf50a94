"""`soms`: the command line. Every Django management command is a `soms` sub-command
(`soms start`, `soms demo`, `soms migrate`, `soms check --deploy`, …)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soms.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "soms"
    # A deploy check that only warns would let an insecure production start; make warnings fatal.
    if (
        len(args) >= 2
        and args[1] == "check"
        and "--deploy" in args
        and not any(a.startswith("--fail-level") for a in args)
    ):
        args += ["--fail-level", "WARNING"]
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        # A configuration the settings refuse (no secret key in production, a nonsense boolean)
        # is told in one line a person can act on, not as a traceback through Django's loader.
        sys.stderr.write(f"soms: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
