"""The Simplified Chinese catalogue is complete: every msgid has a translation, none fuzzy."""
import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale/zh_Hans/LC_MESSAGES/django.po"


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
