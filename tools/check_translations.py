#!/usr/bin/env python3
"""Check .po translations against their .pot template.

Usage: python3 tools/check_translations.py crm_strategy/i18n/crm_strategy.pot crm_strategy/i18n/*.po

For each .po file, reports:
- msgids of the .pot that are missing from the .po or have an empty msgstr;
- entries whose msgstr does not keep the msgid's placeholders: printf-style
  (%s, %(name)s, %r, %%), braces ({name}), HTML/XML tags with their attributes,
  XML entities (&amp;) and, for strings from Python code, the line breaks.
Exits 1 when any file has a problem, 0 otherwise.
"""

import re
import sys
from collections import Counter

import polib

PRINTF = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]")
BRACES = re.compile(r"\{\w*\}")
TAG = re.compile(r"<[^<>]+>")
ENTITY = re.compile(r"&#?\w+;")


def _norm_tag(tag):
    return re.sub(r"\s+", " ", tag).replace(" />", "/>").strip()


def placeholders(text, from_code):
    found = Counter()
    found.update("printf:" + m for m in PRINTF.findall(text))
    found.update("brace:" + m for m in BRACES.findall(text))
    found.update("tag:" + _norm_tag(m) for m in TAG.findall(text))
    found.update("entity:" + m for m in ENTITY.findall(text))
    if from_code:
        found["newlines"] = text.count("\n")
    return found


def is_from_code(entry):
    return "odoo-python" in (entry.comment or "") or any(
        path.startswith("code:") for path, _line in entry.occurrences
    )


def check(pot_path, po_path):
    pot = polib.pofile(pot_path)
    try:
        po = polib.pofile(po_path)
    except (OSError, UnicodeDecodeError) as exc:
        return [f"cannot parse: {exc}"], 0, 0
    translated = {entry.msgid: entry for entry in po if not entry.obsolete}
    problems = []
    missing = 0
    for entry in pot:
        if not entry.msgid:
            continue
        target = translated.get(entry.msgid)
        if target is None or not target.msgstr.strip():
            missing += 1
            problems.append(f"missing: {entry.msgid!r}")
            continue
        expected = placeholders(entry.msgid, is_from_code(entry))
        actual = placeholders(target.msgstr, is_from_code(entry))
        if expected != actual:
            lost = expected - actual
            added = actual - expected
            problems.append(
                f"placeholders differ in {entry.msgid!r}: "
                f"missing {sorted(lost.elements())}, extra {sorted(added.elements())}"
            )
    return problems, len(pot), missing


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    pot_path, po_paths = argv[1], argv[2:]
    failed = False
    for po_path in po_paths:
        problems, total, missing = check(pot_path, po_path)
        mismatches = len(problems) - missing
        sys.stdout.write(
            f"{po_path}: {total - missing}/{total} translated, "
            f"{missing} missing, {mismatches} placeholder mismatches\n"
        )
        for problem in problems:
            sys.stdout.write(f"  {problem}\n")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
