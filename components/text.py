"""User text shown through Markdown: always as text, never as markup."""

import html

_MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|>~:$"


def md_escape(value: str) -> str:
    """Escape every character Markdown (and Streamlit's directives) would act on."""
    out = html.escape(value, quote=False)
    for ch in _MARKDOWN_SPECIALS:
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", " ")
