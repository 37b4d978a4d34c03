#!/usr/bin/env python3
"""Build each addon's README.rst (shown in Apps) from the readme/ fragments.

The fragments use the subset of Markdown that reads the same in reStructuredText
(lists, *emphasis*, **strong**); inline `code` becomes ``code``.
With --check, fail when README.rst is out of date instead of writing it.
"""

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
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


def build(addon):
    title = ast.literal_eval((addon / "__manifest__.py").read_text())["name"]
    out = ["=" * len(title), title, "=" * len(title), ""]
    for fragment, heading in SECTIONS:
        path = addon / "readme" / fragment
        if not path.exists():
            continue
        if heading:
            out += [heading, "=" * len(heading), ""]
        out += [to_rst(path.read_text()), ""]
    return "\n".join(out).rstrip() + "\n"


def main():
    """Every addon of the repository with a readme/ folder: crm_strategy and its bridges."""
    stale = []
    for readme in sorted(REPO.glob("crm_strategy*/readme")):
        addon = readme.parent
        target = addon / "README.rst"
        content = build(addon)
        if "--check" not in sys.argv:
            target.write_text(content)
        elif not target.exists() or target.read_text() != content:
            stale.append(f"{addon.name}/README.rst")
    if stale:
        sys.exit(f"{', '.join(stale)} out of date: run `make readme`")


if __name__ == "__main__":
    main()
