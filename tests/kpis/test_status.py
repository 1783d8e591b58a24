from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpis.status import Rag, Range, target_status, threshold_status

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(85.0, Rag.GREEN), (80.0, Rag.GREEN), (75.0, Rag.AMBER), (69.9, Rag.RED), (None, None)],
)
def test_higher_is_better_thresholds(value: float | None, expected: Rag | None) -> None:
    assert threshold_status(value, Range(low=80), Range(low=70)) == expected


@pytest.mark.parametrize(("value", "expected"), [(8.0, Rag.GREEN), (12.0, Rag.AMBER), (15.1, Rag.RED)])
def test_lower_is_better_thresholds(value: float, expected: Rag) -> None:
    assert threshold_status(value, Range(high=10), Range(high=15)) == expected


@pytest.mark.parametrize(("value", "expected"), [(87.0, Rag.GREEN), (82.0, Rag.AMBER), (96.0, Rag.RED), (70, Rag.RED)])
def test_band_thresholds(value: float, expected: Rag) -> None:
    assert threshold_status(value, Range(85, 90), Range(80, 95)) == expected


def test_a_kpi_without_thresholds_has_no_status() -> None:
    assert threshold_status(50.0, Range(), Range()) is None


@pytest.mark.parametrize(
    ("direction", "actual", "expected"),
    [
        ("lower", 9.5, Rag.GREEN),
        ("lower", 10.0, Rag.GREEN),
        ("lower", 10.4, Rag.AMBER),
        ("lower", 11.0, Rag.RED),
        ("higher", 10.5, Rag.GREEN),
        ("higher", 9.6, Rag.AMBER),
        ("higher", 9.0, Rag.RED),
    ],
)
def test_a_value_target_follows_the_kpi_direction(direction: str, actual: float, expected: Rag) -> None:
    assert target_status(actual, direction=direction, value=10.0, band=Range(), tolerance=0.5) == expected


@given(actual=finite, target=finite, tolerance=st.floats(min_value=0, max_value=1e6))
def test_lower_and_higher_targets_mirror_each_other(actual: float, target: float, tolerance: float) -> None:
    lower = target_status(actual, direction="lower", value=target, band=Range(), tolerance=tolerance)
    higher = target_status(-actual, direction="higher", value=-target, band=Range(), tolerance=tolerance)

    assert lower == higher
