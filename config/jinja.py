"""Jinja2, the second template engine: for what a page repeats hundreds of times (the planning page's objectives and
key results, the scorecard's tables, a key result's year of snapshots, the line charts, the History sections) and
for form widgets (FormRenderer below). Pages and everything else stay Django templates.

A Django template spends a few microseconds on every variable it prints; a thousand key-result rows of eight values
each made the planning page's template 40 ms. Jinja2 compiles a template to Python and prints the same rows in a
fraction of that. The rows are prepared in Python (links, words, badges and bars: okrs.scorecard.presentation), so
a row template only prints and loops; what Python drew is HTML already (it has `__html__`) and Jinja2 leaves it as
it is, everything else is escaped.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment, StrictUndefined

# The name of the engine in settings.TEMPLATES.
ENGINE = "jinja2"


class _RowsEnvironment(Environment):
    """`row.title` on a dictionary reads the key first: the rows are dictionaries (TypedDicts), and Jinja2's own
    order (the attribute, then on AttributeError the key) raised and caught an exception for every value printed."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def environment(**options: Any) -> Environment:
    """Escaping on, and a name the context lacks is an error rather than an empty string."""
    options.update(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return _RowsEnvironment(**options)


def jinja_html(template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> SafeString:
    """A Jinja2 template rendered to HTML that a Django template prints as it is. With the request, the
    template may print `csrf_input` in its forms."""
    if request is not None:
        # Once for all the rows' forms: the engine's own is lazy and would mask a new token for every form printed.
        context = {**context, "csrf_input": csrf_input(request)}
    # Jinja2 escaped everything the template printed that was not HTML already.
    return mark_safe(render_to_string(template_name, context, using=ENGINE))


class FormRenderer(BaseRenderer):
    """Form widgets drawn by Jinja2 from Django's own widget templates (django/forms/jinja2): the same HTML but for
    blank lines. The dashboard's two filters (a select of forty teams, one of the statuses) took 5.7 ms through the
    Django templates, an include per option, and take 2.3 ms. Widgets that only the Django templates draw (the
    admin's and auth's own) come from those."""

    def __init__(self) -> None:
        self._renderers = (Jinja2(), DjangoTemplates())

    def get_template(self, template_name: str) -> Any:
        for renderer in self._renderers:
            try:
                return renderer.get_template(template_name)
            except TemplateDoesNotExist:
                continue
        raise TemplateDoesNotExist(template_name)
