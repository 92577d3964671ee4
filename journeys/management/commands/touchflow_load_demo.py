"""Load the demo workspace (idempotent) and print how to sign in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from journeys.demo import DEMO_PASSWORD, DEMO_SLUG, DEMO_USERNAME, load_demo


class Command(BaseCommand):
    help = "Create the demo workspace, its accounts, segments, contacts and journeys if missing."

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_demo()
        if report.created:
            self.stdout.write("Demo workspace: created " + ", ".join(report.created) + ".")
        else:
            self.stdout.write("Demo workspace is already loaded.")
        self.stdout.write(
            f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD} (owner of workspace {DEMO_SLUG!r})"
        )
