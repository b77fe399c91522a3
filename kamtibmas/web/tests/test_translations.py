"""The shipped catalogues are complete and compiled (§7: Bahasa Indonesia complete).

After ``makemessages`` every new message id lands in both ``.po`` files; these tests
fail until it is translated into Indonesian and ``compilemessages`` has been run, so
a stale ``.mo`` (the file Django actually reads) cannot slip through.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES]
PLACEHOLDERS = {
    "python-format": re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxX%]"),
    "python-brace-format": re.compile(r"\{(\w*)[^{}]*\}"),
}


def catalogue(language: str) -> tuple[Path, Path]:
    messages = LOCALE_DIR / language / "LC_MESSAGES"
    return messages / "django.po", messages / "django.mo"


def key(entry: polib.POEntry | polib.MOEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def translation_of(entry: polib.POEntry | polib.MOEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_a_catalogue_and_its_compiled_form(language):
    po_path, mo_path = catalogue(language)
    assert po_path.is_file(), f"{po_path} is missing: run makemessages -l {language}"
    assert mo_path.is_file(), f"{mo_path} is missing: run compilemessages"


def test_both_catalogues_hold_the_same_message_ids():
    ids = {
        lang: {key(e) for e in polib.pofile(str(catalogue(lang)[0])) if not e.obsolete}
        for lang in LANGUAGES
    }
    reference = ids[settings.LANGUAGE_CODE]
    for language, found in ids.items():
        assert found == reference, (
            f"{language} and {settings.LANGUAGE_CODE} disagree on "
            f"{sorted(found ^ reference)[:10]}: run makemessages for every language"
        )


def test_indonesian_is_complete_and_nothing_is_fuzzy():
    po = polib.pofile(str(catalogue("id")[0]))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated Indonesian messages: {untranslated}"
    assert not fuzzy, f"fuzzy Indonesian messages (check, then remove the flag): {fuzzy}"
    assert not po.metadata_is_fuzzy, "the catalogue header is still marked fuzzy"
    assert po.metadata["Language"] == "id"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_fuzzy_entries(language):
    po = polib.pofile(str(catalogue(language)[0]))
    assert not po.fuzzy_entries()
    assert not po.metadata_is_fuzzy


def test_translations_keep_their_placeholders():
    po = polib.pofile(str(catalogue("id")[0]))
    broken = []
    for entry in po.translated_entries():
        for flag, pattern in PLACEHOLDERS.items():
            if flag not in entry.flags:
                continue
            expected = sorted(pattern.findall(entry.msgid))
            broken += [
                (entry.msgid, text)
                for text in translation_of(entry)
                if sorted(pattern.findall(text)) != expected
            ]
    assert not broken, f"placeholders differ between id and translation: {broken}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language):
    po_path, mo_path = catalogue(language)
    po, mo = polib.pofile(str(po_path)), polib.mofile(str(mo_path))
    # msgfmt leaves out untranslated, fuzzy and obsolete entries, so compare those it keeps.
    expected = {key(e): translation_of(e) for e in po.translated_entries()}
    compiled = {key(e): translation_of(e) for e in mo}
    stale = sorted(set(expected.items()) ^ set(compiled.items()))
    assert not stale, (
        f"{mo_path.name} for {language} is stale ({len(stale)} differences, e.g. {stale[:3]}):"
        " run compilemessages"
    )
    assert mo.metadata.get("Content-Type") == "text/plain; charset=UTF-8"
