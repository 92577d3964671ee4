"""Re-extract Touchflow's messages into core/locale, compile them and list what is untranslated.

Idempotent and safe to re-run after any change (`make messages`): existing translations are
kept, new strings are added with an empty translation, strings no longer used are kept as
obsolete (`#~`) entries so a translation is not lost when a string comes back. Needs GNU gettext
(msgmerge, msgfmt: `apt-get install -y gettext`).
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import message_catalogs as catalogs

# Folders makemessages must not read: not Touchflow's runtime code, or not Python/templates.
IGNORED = [".venv", "var", "frontend_static", "tests", "bench", "docs", "examples", "scripts"]


class Command(BaseCommand):
    help = "Extract the admin's and the canvas's messages into core/locale and compile them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Exit with an error when any message is untranslated or fuzzy.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for tool in ("msgmerge", "msgfmt"):
            if shutil.which(tool) is None:
                raise CommandError(f"{tool} is missing: apt-get install -y gettext")
        pending = 0
        for locale in catalogs.LOCALES:
            self._extract_django(locale)
            try:
                self._extract_js(locale)
            except catalogs.GettextFailed as exc:
                raise CommandError(str(exc)) from exc
            for domain in ("django", "djangojs"):
                path = catalogs.po_path(locale, domain)
                try:
                    catalogs.compile_po(path)
                except catalogs.GettextFailed as exc:
                    raise CommandError(str(exc)) from exc
                pending += self._report(path)
        if options["strict"] and pending:
            raise CommandError(f"{pending} message(s) need a translation.")

    def _extract_django(self, locale: str) -> None:
        with contextlib.chdir(catalogs.REPO_ROOT):
            call_command(
                "makemessages",
                locale=[locale],
                domain="django",
                ignore_patterns=IGNORED,
                add_location="file",
                no_wrap=True,
                verbosity=0,
            )

    def _extract_js(self, locale: str) -> None:
        catalogs.merge_po(catalogs.po_path(locale, "djangojs"), locale, catalogs.all_js_messages())

    def _report(self, path: Path) -> int:
        entries = catalogs.read_po(path).values()
        pending = [entry for entry in entries if not entry.translated]
        shown = path.relative_to(catalogs.REPO_ROOT)
        self.stdout.write(
            f"{shown}: {len(entries) - len(pending)} translated, {len(pending)} to do"
        )
        for entry in pending:
            state = "fuzzy" if entry.fuzzy else "untranslated"
            self.stdout.write(f"  {state}: {entry.key!r}")
        return len(pending)
