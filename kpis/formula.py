"""KPI formulas: parsed from text, checked, evaluated, and compiled to SQL.

Pure: no database. A formula is arithmetic over measure keys and numbers (`100 * escalated_contacts /
total_contacts`). It is parsed with Python's `ast` and only a whitelist of nodes is accepted; nothing is ever
evaluated by Python's `eval`. Formulas apply to measures *after* they are aggregated over a period and a segment
(ratio of sums), and a division by zero gives no value (None / SQL NULL), never an error or 0.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

MAX_LENGTH = 500
MAX_DEPTH = 40

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_APPLY: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


class FormulaError(ValueError):
    """A formula that cannot be used; `column` is the 1-based position of the problem, if known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message if column is None else f"{message} (at character {column})")
        self.column = column


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class MeasureRef:
    key: str


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class BinaryOp:
    op: str
    left: Node
    right: Node


Node = Number | MeasureRef | Negate | BinaryOp


@dataclass(frozen=True)
class Formula:
    text: str
    tree: Node
    measures: tuple[str, ...]

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        """The formula's value for aggregated measure values; None when any input or a denominator is missing."""
        result = _evaluate(self.tree, values)
        return None if result is None or not math.isfinite(result) else result

    def to_sql(self, column: Callable[[str], str]) -> str:
        """SQL for this formula, with each measure replaced by `column(key)`; division by zero gives NULL."""
        return _to_sql(self.tree, column)


def parse(text: str, known_measures: Collection[str] | None = None) -> Formula:
    """Parse and check `text`; `known_measures`, when given, is the set of measure keys it may use."""
    source = text.strip()
    if not source:
        raise FormulaError("The formula is empty.")
    if len(source) > MAX_LENGTH:
        raise FormulaError(f"The formula is longer than {MAX_LENGTH} characters.")
    try:
        expression = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise FormulaError("The formula is not valid arithmetic", error.offset) from None
    measures: list[str] = []
    tree = _convert(expression.body, measures, depth=0)
    if known_measures is not None:
        unknown = [key for key in measures if key not in known_measures]
        if unknown:
            names = ", ".join(sorted(set(unknown)))
            raise FormulaError(f"Unknown measure: {names}.")
    if not measures:
        raise FormulaError("The formula uses no measure.")
    return Formula(text=source, tree=tree, measures=tuple(dict.fromkeys(measures)))


def _convert(node: ast.expr, measures: list[str], depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise FormulaError("The formula is nested too deeply.")
    column = getattr(node, "col_offset", -1) + 1
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _convert(node.left, measures, depth + 1)
        right = _convert(node.right, measures, depth + 1)
        return BinaryOp(_BINARY[type(node.op)], left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        operand = _convert(node.operand, measures, depth + 1)
        return Negate(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        number = float(node.value)  # type: ignore[arg-type]  # narrowed by the type() check above
        if not math.isfinite(number):
            raise FormulaError("Numbers in a formula must be finite", column)
        return Number(number)
    if isinstance(node, ast.Name):
        measures.append(node.id)
        return MeasureRef(node.id)
    raise FormulaError("Only measure keys, numbers, + - * / and parentheses are allowed in a formula", column)


def _evaluate(node: Node, values: Mapping[str, float | None]) -> float | None:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, MeasureRef):
        value = values.get(node.key)
        return None if value is None else float(value)
    if isinstance(node, Negate):
        operand = _evaluate(node.operand, values)
        return None if operand is None else -operand
    left = _evaluate(node.left, values)
    right = _evaluate(node.right, values)
    if left is None or right is None:
        return None
    if node.op == "/":
        return None if right == 0 else left / right
    return _APPLY[node.op](left, right)


def _to_sql(node: Node, column: Callable[[str], str]) -> str:
    if isinstance(node, Number):
        return f"CAST({node.value!r} AS DOUBLE PRECISION)"
    if isinstance(node, MeasureRef):
        return column(node.key)
    if isinstance(node, Negate):
        return f"(-{_to_sql(node.operand, column)})"
    left = _to_sql(node.left, column)
    right = _to_sql(node.right, column)
    if node.op == "/":
        return f"({left} / NULLIF({right}, 0))"
    return f"({left} {node.op} {right})"
