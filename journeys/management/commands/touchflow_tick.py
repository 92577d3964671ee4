"""Run enrollment steps and dispatch synchronously as of a moment (JOURNEY_FORMAT.md §3)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import clock
from journeys.engine.tick import tick


class Command(BaseCommand):
    help = "Advance every enrollment and send every message due at --at (default: now)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at", help="An ISO 8601 moment with an offset, e.g. 2026-12-01T09:00Z."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        at = clock.now()
        if options["at"]:
            try:
                at = datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(f"--at {options['at']!r} is not an ISO 8601 moment.") from exc
            if at.tzinfo is None:
                raise CommandError("--at needs a UTC offset, e.g. 2026-12-01T09:00+08:00.")
        report = tick(at)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        for name, value in report.as_dict().items():
            self.stdout.write(f"{name}: {value}")
