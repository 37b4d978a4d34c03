#!/usr/bin/env python3
"""Build crm_strategy/README.rst (shown in Apps) from the readme/ fragments.

The fragments use the subset of Markdown that reads the same in reStructuredText
(lists, *emphasis*, **strong**); inline `code` becomes ``code``.
With --check, fail when README.rst is out of date instead of writing it.
"""

import re
import sys
from pathlib import Path

ADDON = Path(__file__).resolve().parent.parent / "crm_strategy"
SECTIONS = [("DESCRIPTION.md", None), ("CONFIGURE.md", "Configuration"), ("USAGE.md", "Usage")]


def to_rst(text):
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    lines = []
    for line in text.splitlines():
        heading = re.match(r"^(#+)\s+(.*)$", line)
        if heading:
            title = heading.group(2)
            lines += [title, "~" * len(title)]
        else:
            lines.append(line)
    return "\n".join(lines).strip() + "\n"


def build():
    title = "CRM Strategy"
    out = ["=" * len(title), title, "=" * len(title), ""]
    for fragment, heading in SECTIONS:
        path = ADDON / "readme" / fragment
        if not path.exists():
            continue
        if heading:
            out += [heading, "=" * len(heading), ""]
        out += [to_rst(path.read_text()), ""]
    return "\n".join(out).rstrip() + "\n"


def main():
    target = ADDON / "README.rst"
    content = build()
    if "--check" in sys.argv:
        if not target.exists() or target.read_text() != content:
            sys.exit("crm_strategy/README.rst is out of date: run `make readme`")
        return
    target.write_text(content)


if __name__ == "__main__":
    main()
