"""The rows engine (config/jinja.py): Jinja2 escapes what it prints unless Python drew it as HTML, reads a row's keys
as attributes, and refuses a name the context lacks."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils.safestring import mark_safe
from jinja2 import UndefinedError

from config.jinja import ENGINE


def _render(source: str, **context: object) -> str:
    return engines[ENGINE].from_string(source).render(context)


def test_text_is_escaped_and_html_drawn_in_python_is_not() -> None:
    row = {"title": '<script>alert("x")</script> & co', "badge": mark_safe('<span class="badge">On track</span>')}

    html = _render("<td>{{ row.title }}</td><td>{{ row.badge }}</td>", row=row)

    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co"
    assert html == f'<td>{escaped}</td><td><span class="badge">On track</span></td>'


def test_a_row_reads_its_keys_before_the_dictionarys_methods() -> None:
    assert _render("{{ row.items }} {{ row.title }}", row={"items": "3 key results", "title": "FCR"}) == (
        "3 key results FCR"
    )
    assert _render("{% for key, value in row.items() %}{{ key }}={{ value }}{% endfor %}", row={"a": 1}) == "a=1"


def test_a_name_the_row_lacks_is_an_error_not_an_empty_cell() -> None:
    with pytest.raises(UndefinedError):
        _render("{{ row.titel }}", row={"title": "FCR"})
