"""The translation catalogs: the canvas's extractor, the .po reader and merge, and that the
committed catalogs are complete and compiled (so a new string cannot ship untranslated)."""

from __future__ import annotations

import gettext
import shutil
from pathlib import Path

import pytest

from core import message_catalogs as catalogs
from tests.support.system import missing

LOCALE = "zh_Hans"


def need_gettext() -> None:
    for tool in ("msgfmt", "msgmerge"):
        if shutil.which(tool) is None:
            missing(tool, "apt-get install -y gettext")


def test_t_calls_reads_string_literals_and_nothing_else() -> None:
    source = """
        t("Save"); t('It\\'s here'); t("Say \\"hi\\"\\n", { n: 1 });
        {t( "Spaced" )}  t("%(count)s problems", { count })
        t(journey.status); t(`template ${x}`); set("no"); api.t("no"); format("no");
        t("Saving…"); const LABELS = { eq: marked("is") }; unmarked("no");
    """
    assert catalogs.t_calls(source) == [
        "Save",
        "It's here",
        'Say "hi"\n',
        "Spaced",
        "%(count)s problems",
        "Saving…",
        "is",
    ]


def test_canvas_messages_name_the_files_that_use_each_message(tmp_path: Path) -> None:
    (tmp_path / "a.tsx").write_text('t("Undo"); t("Redo")', encoding="utf-8")
    (tmp_path / "b.ts").write_text('t("Undo")', encoding="utf-8")
    (tmp_path / "c.css").write_text('t("Not code")', encoding="utf-8")
    assert catalogs.canvas_messages(tmp_path) == {"Undo": ["a.tsx", "b.ts"], "Redo": ["a.tsx"]}


def test_the_server_strings_the_canvas_translates_are_messages() -> None:
    found = catalogs.server_messages()
    for msgid in ("Wait for event", "received", "timeout", "holdout", "draft", "SMS"):
        assert msgid in found


def test_read_po_understands_contexts_plurals_fuzzy_and_obsolete(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text(
        "\n".join(
            [
                'msgid ""',
                'msgstr ""',
                '"Plural-Forms: nplurals=1; plural=0;\\n"',
                "",
                "#: a.py",
                'msgid "Long "',
                '"text"',
                'msgstr "长"',
                '"文本"',
                "",
                'msgctxt "circuit breaker"',
                'msgid "Open"',
                'msgstr "熔断"',
                "",
                "#, fuzzy, python-format",
                'msgid "%(n)s keys"',
                'msgstr "%(n)s 个密钥"',
                "",
                'msgid "One key"',
                'msgid_plural "Keys"',
                'msgstr[0] ""',
                "",
                '#~ msgid "Gone"',
                '#~ msgstr "没了"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    entries = catalogs.read_po(po)
    assert set(entries) == {"Long text", "circuit breaker\x04Open", "%(n)s keys", "One key"}
    assert entries["Long text"].msgstrs == ("长文本",)
    assert entries["Long text"].translated
    assert entries["circuit breaker\x04Open"].translated
    assert not entries["%(n)s keys"].translated  # fuzzy
    assert not entries["One key"].translated


def test_merge_keeps_translations_adds_new_messages_and_marks_vanished_ones(
    tmp_path: Path,
) -> None:
    need_gettext()
    po = tmp_path / "djangojs.po"
    catalogs.merge_po(po, LOCALE, {"Undo": ["a.tsx"], "Redo": ["a.tsx"]})
    text = po.read_text(encoding="utf-8")
    for msgid, msgstr in (("Undo", "撤销"), ("Redo", "重做")):
        text = text.replace(f'"{msgid}"\nmsgstr ""', f'"{msgid}"\nmsgstr "{msgstr}"')
    po.write_text(text, encoding="utf-8")
    catalogs.merge_po(po, LOCALE, {"Undo": ["a.tsx"], "Save": ["b.tsx"]})
    catalogs.merge_po(po, LOCALE, {"Undo": ["a.tsx"], "Save": ["b.tsx"]})  # idempotent
    entries = catalogs.read_po(po)
    assert set(entries) == {"Undo", "Save"}
    assert entries["Undo"].msgstrs == ("撤销",)
    assert not entries["Save"].translated
    # A vanished translated message stays as obsolete, ready if the string comes back.
    assert '#~ msgid "Redo"\n#~ msgstr "重做"' in po.read_text(encoding="utf-8")
    compiled = gettext.GNUTranslations(catalogs.compile_po(po).open("rb"))
    assert compiled.gettext("Undo") == "撤销"


def test_every_canvas_message_has_a_chinese_translation() -> None:
    """Fails when a `t("…")` (or a node type, port, status or channel title) is added without
    a translation: run `make messages` and translate what it lists."""
    entries = catalogs.read_po(catalogs.po_path(LOCALE, "djangojs"))
    needed = catalogs.all_js_messages()
    untranslated = sorted(m for m in needed if m not in entries or not entries[m].translated)
    assert untranslated == [], "run `make messages` and translate these in djangojs.po"


def test_every_message_in_the_canvas_catalog_is_still_used() -> None:
    entries = catalogs.read_po(catalogs.po_path(LOCALE, "djangojs"))
    assert sorted(set(entries) - set(catalogs.all_js_messages())) == [], "run `make messages`"


def test_the_admin_catalog_is_fully_translated() -> None:
    entries = catalogs.read_po(catalogs.po_path(LOCALE, "django")).values()
    assert [entry.key for entry in entries if not entry.translated] == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogs_match_their_po_files(domain: str, tmp_path: Path) -> None:
    need_gettext()
    po = catalogs.po_path(LOCALE, domain)
    fresh = catalogs.compile_po(po, tmp_path / f"{domain}.mo")
    with fresh.open("rb") as expected, po.with_suffix(".mo").open("rb") as committed:
        # Compared as catalogs, not bytes: msgfmt versions may lay the same file out differently.
        want = gettext.GNUTranslations(expected)
        have = gettext.GNUTranslations(committed)
    assert have._catalog == want._catalog, "run `make messages` and commit the .mo files"  # type: ignore[attr-defined]
