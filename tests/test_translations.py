"""The Simplified Chinese catalogue is complete: every msgid has a translation, none fuzzy."""
import contextlib
import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"


def entries():
    for block in PO.read_text(encoding="utf-8").split("\n\n")[1:]:
        head = block.split("msgstr")[0]
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', head, re.M))
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        yield block, msgid, ["".join(re.findall(r'"(.*)"', m)) for m in msgstrs]


def test_every_string_is_translated():
    missing = [msgid for block, msgid, strs in entries()
               if msgid and not block.lstrip().startswith("#~") and not all(strs)]
    assert missing == []


def test_no_fuzzy_translations():
    assert [msgid for block, msgid, _ in entries() if "#, fuzzy" in block] == []


def test_compiled_catalogue_is_committed():
    assert PO.with_suffix(".mo").stat().st_size > 0


# --- The catalogue is up to date with the source ------------------------------------------------
#
# `makemessages` is run on a throwaway copy of the source (it writes `<template>.py` work files
# next to the templates and the catalogue into the locale dir, so never on the repository),
# exactly as the catalogue is made:
#     manage.py makemessages -l zh_Hans --ignore .venv --ignore var --ignore screenshots
# and every msgid it extracts must be translated, not fuzzy, in the committed catalogue.

GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge")  # what makemessages runs
IGNORED = (".venv", "var", "screenshots")  # the --ignore of the command above
EXTENSIONS = {".py", ".html", ".txt"}  # makemessages' default for the "django" domain
SKIPPED_DIRS = {"__pycache__", "node_modules", "locale"}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_LINE = re.compile(r'^(#~ )?(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)?\s*"(.*)"\s*$')


def _unescape(text):
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def parse_po(path):
    """A .po file → {(msgctxt, msgid): entry}; entry: msgid_plural, msgstrs, flags, obsolete,
    references. The header (empty msgid) is left out."""
    catalogue = {}

    def close(entry):
        if entry and entry.get("msgid"):
            catalogue[(entry.get("msgctxt"), entry["msgid"])] = entry

    entry, field = None, None
    for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            close(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "references": [], "msgstrs": {}, "obsolete": False,
                     "msgid_plural": None}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#:"):
            entry["references"].extend(line[2:].split())
            continue
        if line.startswith("#") and not line.startswith("#~"):
            continue  # translator, extracted and previous-msgid comments
        match = _LINE.match(line)
        if not match:
            continue  # "#~|" previous strings of obsolete entries
        obsolete, keyword, text = match.groups()
        entry["obsolete"] = entry["obsolete"] or bool(obsolete)
        if keyword:
            field = keyword
            text_so_far = ""
        else:
            text_so_far = (entry["msgstrs"].get(field, "") if field.startswith("msgstr")
                           else entry.get(field) or "")
        value = text_so_far + _unescape(text)
        if field.startswith("msgstr"):
            entry["msgstrs"][field] = value
        else:
            entry[field] = value
    return catalogue


def _copy_sources(source, target):
    """Copy what makemessages reads (the .py, .html and .txt files) into `target`."""
    for dirpath, dirnames, filenames in os.walk(source):
        relative = Path(dirpath).relative_to(source)
        dirnames[:] = [
            d for d in dirnames
            if not d.startswith(".") and d not in SKIPPED_DIRS
            and not (relative == Path(".") and d in IGNORED)
        ]
        for name in filenames:
            if Path(name).suffix in EXTENSIONS and not name.startswith("."):
                (target / relative).mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(dirpath) / name, target / relative / name)


def _fingerprint(directory):
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        digest.update(str(path.relative_to(directory)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The msgids `makemessages` finds in the source today, as a parsed catalogue."""
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"GNU gettext is not installed ({', '.join(missing)} not on PATH), so the msgids "
            "cannot be extracted from the source; install gettext to run this check."
        )
    copy = tmp_path_factory.mktemp("source")
    _copy_sources(ROOT, copy)
    locale = copy / "locale"
    locale.mkdir()
    before = _fingerprint(ROOT / "locale")
    with override_settings(LOCALE_PATHS=[str(locale)]), contextlib.chdir(copy):
        call_command("makemessages", locale=["zh_Hans"], ignore_patterns=list(IGNORED),
                     verbosity=0)
    assert _fingerprint(ROOT / "locale") == before, "makemessages wrote into the repository"
    return parse_po(locale / "zh_Hans/LC_MESSAGES/django.po")


def test_catalogue_is_up_to_date_with_the_source(extracted):
    """Every string marked for translation in the code and templates has a reviewed
    translation in the committed catalogue. If this fails, run the makemessages command
    above, translate the new and fuzzy entries, and compilemessages."""
    assert len(extracted) > 100, "makemessages extracted suspiciously few strings"
    committed = parse_po(PO)
    problems = []
    for key, source in sorted(extracted.items(), key=lambda item: item[0][1]):
        where = " ".join(source["references"][:2])
        entry = committed.get(key)
        if entry is None or entry["obsolete"]:
            problem = "not in the catalogue"
        elif "fuzzy" in entry["flags"]:
            problem = "fuzzy"
        elif entry["msgid_plural"] != source["msgid_plural"]:
            problem = f"plural is {entry['msgid_plural']!r} in the catalogue"
        elif not entry["msgstrs"] or not all(entry["msgstrs"].values()):
            problem = "untranslated"
        else:
            continue
        problems.append(f"{key[1]!r} ({where}): {problem}")
    assert problems == [], (
        f"{len(problems)} msgid(s) of the source lack a translation in {PO.relative_to(ROOT)}:\n"
        + "\n".join(problems)
    )
