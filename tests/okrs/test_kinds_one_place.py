"""The kinds module is the only place that branches on a key result's kind: adding a kind touches one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from okrs import kinds
from okrs.models import KeyResult

ROOT = Path(__file__).resolve().parents[2]
KIND_VALUES = "|".join(re.escape(kind.value) for kind in kinds.KINDS)
# A comparison with a kind value or a kind member, in Python or in a template.
BRANCHES = [
    re.compile(r"\bKind\.[A-Z_]+\b"),
    re.compile(r"\bkind\s*(==|!=)"),
    re.compile(r"\.kind\s+(not\s+)?in\b"),
    re.compile(r"\bkind(__in)?\s*=\s*[\"'\[]"),
    re.compile(rf"(==|!=)\s*[\"']({KIND_VALUES})[\"']"),
    re.compile(r"KPI_KINDS|MOVING_KINDS|KIND_FIELDS\s*\["),
]


def _sources() -> list[Path]:
    templates = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.jinja")]
    found = [*(ROOT / "okrs").rglob("*.py"), *templates]
    kinds_dir = ROOT / "okrs" / "kinds"
    return [p for p in found if kinds_dir not in p.parents and "migrations" not in p.parts]


def test_nothing_outside_okrs_kinds_branches_on_a_kind() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if any(pattern.search(line) for pattern in BRANCHES)
    ]
    assert offences == []


def test_the_grep_finds_a_branch() -> None:
    """The patterns catch the branches the redesign removed, so the test above can fail."""
    for line in [
        "if key_result.kind == KeyResult.Kind.MILESTONE:",
        '{% if key_result.kind == "milestone" %}',
        'Q(kind="kpi_relative")',
        "if kr.kind in MOVING_KINDS:",
    ]:
        assert any(pattern.search(line) for pattern in BRANCHES), line


@pytest.mark.parametrize("kind", kinds.KINDS, ids=str)
def test_every_kind_is_a_model_choice_and_a_form_choice(kind: kinds.Kind) -> None:
    assert KeyResult.Kind(kind.value).label == kind.label
    assert getattr(KeyResult.Kind, kind.name) == kind.value
