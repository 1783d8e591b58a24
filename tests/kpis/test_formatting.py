from __future__ import annotations

import pytest

from kpis.formatting import format_raw, format_value


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "text"),
    [
        (12.5, "percent", 1, "12.5 %"),
        (368.2, "seconds", 0, "368 s"),
        (1104.0, "seconds", 0, "18.4 min"),
        (26860.0, "seconds", 0, "7.5 h"),
        (1204.0, "count", 0, "1,204"),
        (4.07, "score", 2, "4.07"),
        (None, "percent", 1, "—"),
    ],
)
def test_values_read_in_their_unit(value: float | None, unit: str, decimals: int, text: str) -> None:
    assert format_value(value, unit, decimals) == text


def test_raw_values_keep_ten_significant_digits_and_leave_no_value_empty() -> None:
    assert (format_raw(100 * 50 / 1100), format_raw(10.0), format_raw(None)) == ("4.545454545", "10", "")
