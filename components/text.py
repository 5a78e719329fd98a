"""User text shown through Markdown: always as text, never as markup."""

import re

# What can start markup in Streamlit's Markdown: emphasis, code, links and images,
# raw HTML and entities, headings, tables, strike-through, LaTeX, and `:name...`
# directives (colours, emoji and icons). A colon before a space is plain punctuation.
_SPECIAL = re.compile(r"[\\`*_\[\]<>&#|~$]|:(?=\S)")
_LEADING_MARKER = re.compile(r"^(\s*)(\d+(?=[.)])|)([-+=.)])")


def md_escape(value: str) -> str:
    """Escape user text for Markdown on one line (newlines become spaces)."""
    out = _SPECIAL.sub(lambda m: "\\" + m.group(0), value.replace("\n", " "))
    return _LEADING_MARKER.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), out)
