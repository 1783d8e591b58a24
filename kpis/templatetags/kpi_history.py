"""`{% load kpi_history %}{% history_section rows "kr-changes" %}`: a page's History section, drawn by
templates/partials/history.jinja (Jinja2: a Django template's three date filters a row were most of its time)."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.safestring import SafeString

from config.jinja import jinja_html
from kpis.history import HistoryRow

register = template.Library()

# The newest changes a page shows; the org audit log has the rest.
SHOWN = 50


@register.simple_tag
def history_section(history: Sequence[HistoryRow], section_id: str = "history") -> SafeString:
    shown = []
    for row in history[:SHOWN]:
        when = timezone.localtime(row.when)
        shown.append(
            {
                "iso": when.isoformat(),
                "title": f"{when.day} {when:%b %Y, %H:%M}",
                "day": f"{when.day} {when:%b}",
                "who": row.who,
                "text": row.text,
            }
        )
    context = {"shown": shown, "count": len(history), "id": section_id, "stylesheet": static("css/history.css")}
    return jinja_html("partials/history.jinja", context)
