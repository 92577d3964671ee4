"""The simulation process: reads its input as JSON on stdin, prints the result as JSON.

Started by `journeys.simulation.process` with DATABASE_URL naming a fresh copy of a migrated,
empty SQLite file, so it can write freely: nothing it writes reaches the main database, and the
file is deleted when it ends. It refuses to run in a database that holds any workspace.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import clock
from journeys.simulation.loop import Loop
from journeys.simulation.report import report
from journeys.simulation.world import WorldError, build


class Command(BaseCommand):
    help = "Run one journey simulation (internal: the simulator starts it; see its docstring)."

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.monotonic()
        try:
            data = json.load(sys.stdin)
        except json.JSONDecodeError as exc:
            raise CommandError(f"The input is not JSON: {exc}") from exc
        request = data["request"]
        limits = data["limits"]
        clock.pin(datetime.fromisoformat(request["start"]))
        try:
            result = self._simulate(data["snapshot"], request, limits, began)
        finally:
            clock.pin(None)
        self.stdout.write(json.dumps(result))

    def _simulate(
        self,
        snapshot: dict[str, Any],
        request: dict[str, Any],
        limits: dict[str, Any],
        began: float,
    ) -> dict[str, Any]:
        try:
            world = build(snapshot, request)
        except WorldError as exc:
            raise CommandError(str(exc)) from exc
        # This process owns its connection for its whole life: django-q2's ORM broker would
        # otherwise close it at every pump request (CONN_MAX_AGE is 0 for SQLite), and the
        # file is thrown away afterwards, so durability buys nothing and costs a sync a commit.
        connection.settings_dict["CONN_MAX_AGE"] = None
        connection.close()  # reopened below, with the setting above in force
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
        loop = Loop(
            world,
            request,
            deadline=began + float(limits["seconds"]),
            max_moments=int(limits["moments"]),
        )
        outcome = loop.run()
        result = report(loop, outcome)
        result["elapsed_ms"] = round((time.monotonic() - began) * 1000)
        return result
