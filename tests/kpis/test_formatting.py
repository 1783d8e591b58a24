from __future__ import annotations

import pytest
from django.template.defaultfilters import floatformat
from hypothesis import given
from hypothesis import strategies as st

from kpis.formatting import decimals_text, format_raw, format_value


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


# The magnitudes a table shows; floatformat gives up (and writes the number back as it came) beyond about 1e-300.
table_numbers = st.floats(min_value=-1e30, max_value=1e30, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-30)


@given(value=table_numbers, places=st.integers(min_value=0, max_value=4))
def test_decimals_read_as_the_templates_floatformat_writes_them(value: float, places: int) -> None:
    assert decimals_text(value, places) == str(floatformat(value, places))


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (2.675, 2, "2.68"),
        (12.5, 0, "13"),
        (-2.5, 0, "-3"),
        (-0.3, 0, "0"),
        (-0.001, 2, "0.00"),
        (float("inf"), 0, "inf"),
    ],
)
def test_decimals_round_half_away_from_zero_and_never_write_minus_zero(value: float, places: int, text: str) -> None:
    assert decimals_text(value, places) == text
