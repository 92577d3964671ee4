"""Create a workspace API key; the key is the last line printed (JOURNEY_FORMAT.md §3)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.models import Workspace
from core.models.apikey import ALL_SCOPES
from core.services.apikeys import UnknownScope, create_api_key


class Command(BaseCommand):
    help = "Create an API key for a workspace (creating the workspace if needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="Workspace slug.")
        parser.add_argument(
            "--scopes",
            default=",".join(ALL_SCOPES),
            help="Comma-separated scopes: read, write, ingest (default: all three).",
        )
        parser.add_argument("--name", default="", help="A label to tell keys apart.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["workspace"]
        workspace, created = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug})
        try:
            key, raw_key = create_api_key(
                workspace, scopes=options["scopes"].split(","), name=options["name"]
            )
        except UnknownScope as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stdout.write(f"Created workspace {slug!r}.")
        self.stdout.write(f"API key {key.prefix}… with scopes {', '.join(key.scopes)}:")
        self.stdout.write(raw_key)
