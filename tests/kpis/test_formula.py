"""Evaluating a parsed KPI formula (kpis/formula.py): it gives what its arithmetic written out gives."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from hypothesis import assume, given
from hypothesis import strategies as st

from kpis import formula

Values = Mapping[str, float | None]
Written = tuple[str, Callable[[Values], float | None]]  # a formula's text and its arithmetic written out

KEYS = ("escalated", "contacts", "handle_time")


def _measure(key: str) -> Written:
    return key, lambda values: values.get(key)


def _number(number: int) -> Written:
    return str(number), lambda values: float(number)


def _negated(operand: Written) -> Written:
    text, of = operand

    def negate(values: Values) -> float | None:
        value = of(values)
        return None if value is None else -value

    return f"-({text})", negate


def _combined(op: str, left: Written, right: Written) -> Written:
    (left_text, left_of), (right_text, right_of) = left, right

    def apply(values: Values) -> float | None:
        a, b = left_of(values), right_of(values)
        if a is None or b is None:
            return None
        if op == "/":
            return None if b == 0 else a / b
        return {"+": a + b, "-": a - b, "*": a * b}[op]

    return f"({left_text}) {op} ({right_text})", apply


formulas = st.recursive(
    st.sampled_from(KEYS).map(_measure) | st.integers(min_value=1, max_value=100).map(_number),
    lambda inner: (
        st.builds(_negated, inner) | st.builds(_combined, st.sampled_from(["+", "-", "*", "/"]), inner, inner)
    ),
    max_leaves=8,
)
values_strategy = st.fixed_dictionaries(
    {},
    optional={
        key: st.none() | st.just(0.0) | st.floats(min_value=-1e6, max_value=1e6, allow_nan=False) for key in KEYS
    },
)


@given(written=formulas, values=values_strategy)
def test_a_formula_evaluates_to_its_arithmetic_none_without_an_input_or_a_denominator(
    written: Written, values: dict[str, float | None]
) -> None:
    text, arithmetic = written
    try:
        parsed = formula.parse(text)
    except formula.FormulaError:
        # A formula of numbers alone, or one dividing by a constant zero, is refused before it is ever evaluated.
        assume(False)

    expected = arithmetic(values)
    result = parsed.evaluate(values)

    if expected is None or not math.isfinite(expected):
        assert result is None
    else:
        assert result == expected


def test_a_parsed_formula_evaluates_each_set_of_values_on_its_own() -> None:
    parsed = formula.parse("100 * escalated / contacts")

    assert parsed.evaluate({"escalated": 12.0, "contacts": 100.0}) == 12.0
    assert parsed.evaluate({"escalated": 1.0, "contacts": 0.0}) is None
    assert parsed.evaluate({"escalated": 3.0, "contacts": 60.0}) == 5.0
