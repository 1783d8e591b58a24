"""Tags for the pieces every row of a long page repeats (a progress bar, a status badge): `{% load okr_parts %}`.

An include costs tens of microseconds a row; a thousand key results would spend most of a page's time in them.
"""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def progress_bar(progress: float | None, expected: float | None, status: str | None) -> SafeString:
    """A progress bar: `progress` and `expected` are 0 to 100 (or None), `status` colours the bar, the marker shows
    where the pace says it should be. Numbers with a point whatever the locale, for the stylesheet."""
    now = "" if progress is None else f'aria-valuenow="{progress:.0f}"'
    label, pace = "", ""
    if expected is not None:
        label = f", expected {expected:.0f}%"
        pace = (
            f'<div class="progress-pace" data-left-percent="{expected:.1f}" title="Expected by now: {expected:.0f}%">'
            "</div>"
        )
    # The numbers are formatted here and the status escaped: nothing else goes in.
    return mark_safe(
        f'<div class="progress {escape(status or "none")}" role="progressbar" aria-valuemin="0" '
        f'aria-valuemax="100" {now} aria-label="Progress{label}">\n'
        f'  <div class="progress-fill" data-width-percent="{progress or 0:.1f}"></div>\n'
        f"  {pace}\n</div>"
    )


class Badges:
    """partials/status.html for each status (and label) it is asked for, drawn once for as long as it lives (one
    page): a long table shows one of a handful of badges on every row."""

    def __init__(self) -> None:
        self._drawn: dict[tuple[str, str], str] = {}

    def __call__(self, status: str | None, label: str = "") -> str:
        key = (str(status or ""), label)
        if key not in self._drawn:
            self._drawn[key] = render_to_string("partials/status.html", {"status": key[0], "label": label})
        return self._drawn[key]


@register.simple_tag(takes_context=True)
def status_badge(context: template.Context, status: str | None, label: str = "") -> str:
    """partials/status.html for `status`, drawn once per page and status (see Badges)."""
    # The render context's first scope lasts for the page's whole rendering; each included template (an objective
    # card, a scorecard row) gets a fresh scope on top, which would draw the badges again for every row.
    page_scope = cast(Any, context.render_context).dicts[0]
    badges: Badges = page_scope.setdefault("status_badges", Badges())
    return badges(status, label)
