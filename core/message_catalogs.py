"""Touchflow's translation catalogs: where the canvas's strings come from and how .po files read.

The admin and the templates use Django's `django` domain, extracted by `makemessages`. The canvas
uses the `djangojs` domain, served by `/jsi18n/`; `makemessages -d djangojs` cannot read .tsx
reliably, so its strings are gathered here instead: every `t("literal")` in the canvas sources,
plus the strings the API hands the canvas and the canvas passes through `t()` (node-type titles,
descriptions and ports, journey statuses, channel titles and descriptions). One locale folder,
`core/locale` (LOCALE_PATHS), holds both domains. `manage.py touchflow_messages` runs it all.

The .po reader is deliberately small: it understands what msgmerge and makemessages write
(msgid/msgstr, continuation lines, the fuzzy flag, `#~` obsolete entries), no plurals or contexts.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = REPO_ROOT / "core" / "locale"
CANVAS_SOURCES = REPO_ROOT / "frontend_static" / "src"
CANVAS_EXTENSIONS = (".ts", ".tsx")
# Locales Touchflow ships translations for, as Django names their folders (zh-hans -> zh_Hans).
LOCALES = ("zh_Hans",)
PLURAL_FORMS = {"zh_Hans": "nplurals=1; plural=0;"}

# `t(` (translate now) or `marked(` (a msgid in a table, translated where it is shown) not
# preceded by an identifier character or a dot (so `set(`, `x.t(` do not count), then a
# string literal as the first argument. Template literals are not messages: they cannot be looked
# up once interpolated, so the canvas uses `%(name)s` placeholders instead.
_T_CALL = re.compile(
    r"""(?<![\w$.])(?:t|marked)\(\s*(?P<literal>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*[,)]"""
)


def js_string(literal: str) -> str:
    """The value of a quoted JavaScript string literal (the escapes JSON shares, plus \\')."""
    body = literal[1:-1]
    if literal[0] == "'":
        body = body.replace("\\'", "'").replace('"', '\\"')
    return str(json.loads(f'"{body}"'))


def t_calls(source: str) -> list[str]:
    """The msgids of the `t("…")` and `marked("…")` calls in one source text, in order, repeats
    included."""
    return [js_string(match["literal"]) for match in _T_CALL.finditer(source)]


def canvas_messages(src_dir: Path = CANVAS_SOURCES) -> dict[str, list[str]]:
    """msgid -> the canvas source files (relative to the repository) that use it."""
    found: dict[str, list[str]] = {}
    for path in sorted(src_dir.rglob("*")):
        if path.suffix not in CANVAS_EXTENSIONS or not path.is_file():
            continue
        where = (
            path.relative_to(REPO_ROOT).as_posix() if path.is_relative_to(REPO_ROOT) else path.name
        )
        for msgid in t_calls(path.read_text(encoding="utf-8")):
            files = found.setdefault(msgid, [])
            if where not in files:
                files.append(where)
    return found


def server_messages() -> dict[str, list[str]]:
    """msgid -> origin, for what the API sends and the canvas translates with `t(value)`.

    Channels are Touchflow's built-in ones, not the live registry: the catalog must not depend on
    which plugins happen to be installed where it is extracted (or which a test registered). A
    third-party channel's title shows untranslated unless Touchflow's catalog has the same text.
    """
    from channels_plugins.builtin.channels import BUILTIN_CHANNELS
    from journeys.catalog import NODE_TYPES
    from journeys.models import JourneyStatus

    found: dict[str, list[str]] = {}

    def add(msgids: Iterable[str], origin: str) -> None:
        for msgid in msgids:
            if msgid:
                found.setdefault(msgid, [])
                if origin not in found[msgid]:
                    found[msgid].append(origin)

    for kind in NODE_TYPES:
        add([kind.title, kind.description], "journeys/catalog.py")
        add(
            [*kind.ports, *kind.optional_ports, *kind.conditional_ports.values()],
            "journeys/catalog.py",
        )
    for kind in NODE_TYPES:
        add(schema_texts(kind.config_schema), "journeys/catalog.py")
    add([status.value for status in JourneyStatus], "journeys/models/journey.py")
    for channel in BUILTIN_CHANNELS:
        add([channel.title, channel.description], f"channel {channel.name}")
        add(schema_texts(channel.params_schema), f"channel {channel.name}")
    return found


def schema_texts(schema: object) -> list[str]:
    """Every `title` and `description` in a JSON Schema: the generated forms show them."""
    texts: list[str] = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("title", "description") and isinstance(value, str):
                texts.append(value)
            else:
                texts.extend(schema_texts(value))
    elif isinstance(schema, list):
        for item in schema:
            texts.extend(schema_texts(item))
    return texts


def all_js_messages(src_dir: Path = CANVAS_SOURCES) -> dict[str, list[str]]:
    """Everything the canvas may look up in the djangojs catalog, sources first."""
    merged = {msgid: list(files) for msgid, files in canvas_messages(src_dir).items()}
    for msgid, origins in server_messages().items():
        merged.setdefault(msgid, []).extend(o for o in origins if o not in merged[msgid])
    return merged


def po_quote(text: str) -> str:
    """A PO string literal for `text`."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def po_unquote(literal: str) -> str:
    """The text of one PO string literal (the inverse of `po_quote`)."""
    return str(json.loads(literal))


def pot_text(messages: Mapping[str, Iterable[str]]) -> str:
    """A PO template: each msgid with its origins as file-only references (stable across edits)."""
    lines = [
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Content-Transfer-Encoding: 8bit\\n"',
        "",
    ]
    for msgid, origins in messages.items():
        lines.extend(f"#: {origin.replace(' ', '_')}" for origin in origins)
        if "%(" in msgid:
            lines.append("#, python-format")
        lines.extend([f"msgid {po_quote(msgid)}", 'msgstr ""', ""])
    return "\n".join(lines)


def new_po_text(locale: str, pot: str) -> str:
    """A fresh .po for `locale` from a template: the template with the language in its header."""
    header = (
        f'"Language: {locale}\\n"\n"MIME-Version: 1.0\\n"\n'
        f'"Plural-Forms: {PLURAL_FORMS.get(locale, "nplurals=2; plural=(n != 1);")}\\n"\n'
    )
    return pot.replace('msgstr ""\n', f'msgstr ""\n{header}', 1)


@dataclass(frozen=True)
class PoEntry:
    """One live entry; `key` is the msgid, prefixed by `context\x04` when it has a context."""

    key: str
    msgstrs: tuple[str, ...]
    fuzzy: bool

    @property
    def translated(self) -> bool:
        return bool(self.msgstrs) and all(self.msgstrs) and not self.fuzzy


def read_po(path: Path) -> dict[str, PoEntry]:
    """The live (not obsolete) entries of a .po file by key, without the header."""
    entries: dict[str, PoEntry] = {}
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        fields: dict[str, list[str]] = {}
        current = ""
        fuzzy = False
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith("#") or not line:
                continue  # references, comments, and obsolete `#~` entries
            elif line.startswith('"'):
                fields[current].append(po_unquote(line))
            else:
                current, _, literal = line.partition(" ")
                fields[current] = [po_unquote(literal)]
        msgid = "".join(fields.get("msgid", []))
        if not msgid:
            continue
        context = fields.get("msgctxt")
        key = f"{''.join(context)}\x04{msgid}" if context is not None else msgid
        msgstrs = tuple("".join(v) for k, v in fields.items() if k.startswith("msgstr"))
        entries[key] = PoEntry(key, msgstrs, fuzzy)
    return entries


def po_path(locale: str, domain: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


class GettextFailed(Exception):
    """A gettext tool refused a file; the message is its own complaint."""


def run_gettext(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise GettextFailed(f"{command[0]} failed: {done.stderr.strip()}")


def merge_po(path: Path, locale: str, messages: Mapping[str, Iterable[str]]) -> None:
    """Brings `path` in line with `messages`: translations kept, new msgids added untranslated,
    vanished ones kept as obsolete (`#~`). Creates the file when missing. Needs msgmerge."""
    pot = pot_text(messages)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new_po_text(locale, pot), encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / f"{path.stem}.pot"
        template.write_text(pot, encoding="utf-8")
        # No fuzzy guesses: a guess looks translated to a reviewer skimming the file, and the
        # `--previous` lines would only matter for fuzzy entries.
        run_gettext(
            [
                "msgmerge",
                "--quiet",
                "--update",
                "--backup=none",
                "--no-fuzzy-matching",
                "--no-wrap",
                str(path),
                str(template),
            ]
        )


def compile_po(po: Path, mo: Path | None = None) -> Path:
    """Compiles `po` as Django's compilemessages does (msgfmt --check-format) into `mo`."""
    target = mo or po.with_suffix(".mo")
    run_gettext(["msgfmt", "--check-format", "-o", str(target), str(po)])
    return target
