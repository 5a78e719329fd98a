"""User text shown through Markdown is shown as text (components/text.md_escape), never as markup.

Streamlit renders `st.markdown`, `st.caption`, `st.title`, `st.warning`... as Markdown:
a persona called `Eve [x](https://...)` would become a link, `![](https://...)` an
image fetched by every viewer's browser, `:red[...]` coloured text. The `hostile`
fixture (conftest) puts HTML and Markdown in every user text field.
"""

from __future__ import annotations

import re

from pagekit import HOME, JOURNEY_MAP, PERSONAS, click, new_app, run, texts

from components.text import md_escape

# Markup that Markdown would act on: not preceded by the backslash that escapes it.
MARKUP = re.compile(r"(?<!\\)(<script|<b>|<i>|<img|\]\(javascript:)")


def markup_in(values: list[str]) -> list[str]:
    return [v for v in values if MARKUP.search(v)]


def test_persona_library_and_compare_show_text_as_text(hostile):
    at = run(new_app(PERSONAS, state=hostile.state))

    assert markup_in(texts(at.markdown) + texts(at.caption)) == []
    shown = " ".join(texts(at.markdown))
    assert md_escape(hostile.persona.name) in shown
    assert md_escape(hostile.persona.goals[1]) in shown


def test_map_header_shows_the_persona_as_text(hostile):
    at = run(new_app(JOURNEY_MAP, state=hostile.state))

    assert markup_in(texts(at.markdown) + texts(at.caption)) == []
    assert f"**{md_escape(hostile.persona.name)}**" in texts(at.markdown)


def test_home_map_cards_show_the_title_as_text(hostile):
    at = run(new_app(HOME, state=hostile.state))

    assert markup_in(texts(at.markdown)) == []
    assert f"**{md_escape(hostile.map.title)}**" in texts(at.markdown)


def test_home_map_cards_show_the_persona_as_text(hostile):
    at = run(new_app(HOME, state=hostile.state))

    assert markup_in(texts(at.caption)) == []


def test_map_page_title_is_text(hostile):
    at = run(new_app(JOURNEY_MAP, state=hostile.state))

    assert markup_in(texts(at.title)) == []


def test_persona_delete_warning_names_maps_as_text(hostile):
    at = run(new_app(PERSONAS, state=hostile.state))
    click(at, f"persona:{hostile.persona.id}:delete")

    [warning] = texts(at.warning)
    assert "map(s) follow this persona" in warning
    assert markup_in([warning]) == []
