"""`{% load kpi_charts %}{% line_chart chart "Title" %}`: a kpis.charts.Chart drawn by
templates/partials/charts/line.jinja (Jinja2: a year of daily points drawn three times is thousands of values)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from config.jinja import jinja_html
from kpis.charts import Chart

register = template.Library()


@register.simple_tag
def line_chart(chart: Chart, title: str = "") -> SafeString:
    return jinja_html("partials/charts/line.jinja", {"chart": chart, "title": title})
