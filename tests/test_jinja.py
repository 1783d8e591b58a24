"""Jinja2 where Django templates are slow (config/jinja.py): the rows engine escapes what it prints unless Python drew
it as HTML, reads a row's keys as attributes and refuses a name the context lacks; the form renderer draws the
widgets Django draws, the same HTML."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template import engines
from django.utils.safestring import mark_safe
from jinja2 import UndefinedError

from config.jinja import ENGINE, FormRenderer


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


class _Filters(forms.Form):
    team = forms.ChoiceField(choices=[("", "All teams"), ("1", "Tier 1 <support>")], required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    done = forms.BooleanField(required=False)


@pytest.mark.parametrize("name", ["team", "day", "done"])
def test_form_widgets_draw_the_same_html_through_jinja2_as_through_django_templates(name: str) -> None:
    field = _Filters({"team": "1", "day": "2026-03-31", "done": "on"})[name]

    def drawn(renderer: object) -> str:
        html = field.field.widget.render(field.html_name, field.value(), field.build_widget_attrs({}), renderer)
        return " ".join(html.split())  # the Jinja2 templates leave out some blank lines

    assert isinstance(get_default_renderer(), FormRenderer)
    assert drawn(FormRenderer()) == drawn(DjangoTemplates())


def test_a_widget_only_the_django_templates_draw_comes_from_them() -> None:
    template = FormRenderer().get_template(RelatedFieldWidgetWrapper.template_name)

    assert template.origin.name.endswith("admin/widgets/related_widget_wrapper.html")
