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
from functools import cached_property

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
        self.reason = message
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
# A formula (or part of one) as a function of aggregated measure values; None when an input or denominator is missing.
Evaluator = Callable[[Mapping[str, "float | None"]], "float | None"]


@dataclass(frozen=True)
class Formula:
    text: str
    tree: Node
    measures: tuple[str, ...]

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        """The formula's value for aggregated measure values; None when any input or a denominator is missing."""
        result = self._compiled(values)
        return None if result is None or not math.isfinite(result) else result

    @cached_property
    def _compiled(self) -> Evaluator:
        # Compiled once per parsed formula: a forecast evaluates it some thirty times per key result.
        return _compile(self.tree)

    def to_sql(self, column: Callable[[str], str]) -> str:
        """SQL for this formula, with each measure replaced by `column(key)`; division by zero gives NULL."""
        return _to_sql(self.tree, column)


def parse(text: str, known_measures: Collection[str] | None = None) -> Formula:
    """Parse and check `text`; `known_measures`, when given, is the set of measure keys it may use.

    Every error's column is the 1-based character of `text` (as typed, leading spaces included) it is about.
    """
    source = text.strip()
    lead = len(text) - len(text.lstrip())
    if not source:
        raise FormulaError("The formula is empty.")
    if len(source) > MAX_LENGTH:
        raise FormulaError(f"The formula is longer than {MAX_LENGTH} characters.")
    # A line break is a space in a formula; replacing it keeps every character where it was.
    flat = source.replace("\r", " ").replace("\n", " ")
    try:
        expression = ast.parse(flat, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(error, flat, lead) from None
    names: dict[str, int] = {}
    try:
        tree = _convert(expression.body, _Positions(flat), names, depth=0)
    except FormulaError as error:
        raise FormulaError(error.reason, None if error.column is None else error.column + lead) from None
    if known_measures is not None:
        unknown = [key for key in names if key not in known_measures]
        if unknown:
            raise FormulaError(f"Unknown measure: {', '.join(sorted(unknown))}", names[unknown[0]] + lead)
    if not names:
        raise FormulaError("The formula uses no measure.")
    return Formula(text=source, tree=tree, measures=tuple(names))


def _syntax_error(error: SyntaxError, source: str, lead: int) -> FormulaError:
    offset = error.offset or 0
    if offset < 1 or offset > len(source):
        # Python reports input that stops midway (`x +`) at no character: the problem is where it ends.
        return FormulaError("The formula ends before it is complete", len(source) + 1 + lead)
    if "never closed" in (error.msg or ""):
        return FormulaError("This parenthesis is never closed", offset + lead)
    return FormulaError("The formula is not valid arithmetic", offset + lead)


@dataclass(frozen=True)
class _Positions:
    """Columns of `ast` nodes, whose offsets count UTF-8 bytes, as 1-based characters of the source."""

    source: str

    def column(self, byte_offset: int) -> int:
        return len(self.source.encode()[:byte_offset].decode(errors="ignore")) + 1

    def of(self, node: ast.AST) -> int:
        return self.column(getattr(node, "col_offset", 0))

    def operator(self, node: ast.BinOp) -> int:
        """The column of a binary operator: the first character after its left operand and its parentheses."""
        index = self.column(node.left.end_col_offset or 0) - 1
        while index < len(self.source) and self.source[index] in " )":
            index += 1
        return index + 1


def _convert(node: ast.expr, at: _Positions, names: dict[str, int], depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise FormulaError("The formula is nested too deeply.")
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise FormulaError(_ALLOWED, at.operator(node))
        left = _convert(node.left, at, names, depth + 1)
        right = _convert(node.right, at, names, depth + 1)
        op = _BINARY[type(node.op)]
        if op == "/" and _is_zero(right):
            raise FormulaError("This divides by zero, so the formula would never have a value", at.of(node.right))
        return BinaryOp(op, left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        operand = _convert(node.operand, at, names, depth + 1)
        return Negate(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        number = float(node.value)  # type: ignore[arg-type]  # narrowed by the type() check above
        if not math.isfinite(number):
            raise FormulaError("Numbers in a formula must be finite", at.of(node))
        return Number(number)
    if isinstance(node, ast.Name):
        names.setdefault(node.id, at.of(node))
        return MeasureRef(node.id)
    raise FormulaError(_ALLOWED, at.of(node))


_ALLOWED = "Only measure keys, numbers, + - * / and parentheses are allowed in a formula"


def _is_zero(node: Node) -> bool:
    """Whether `node` reads no measure and is 0: a denominator that makes every value empty."""
    return not _reads_a_measure(node) and _compile(node)({}) == 0


def _reads_a_measure(node: Node) -> bool:
    if isinstance(node, MeasureRef):
        return True
    if isinstance(node, Negate):
        return _reads_a_measure(node.operand)
    if isinstance(node, BinaryOp):
        return _reads_a_measure(node.left) or _reads_a_measure(node.right)
    return False


def _compile(node: Node) -> Evaluator:
    """`node` as nested closures, so that evaluating it walks no tree: the same operations in the same order."""
    if isinstance(node, Number):
        number = node.value
        return lambda values: number
    if isinstance(node, MeasureRef):
        key = node.key

        def measure(values: Mapping[str, float | None]) -> float | None:
            value = values.get(key)
            return None if value is None else float(value)

        return measure
    if isinstance(node, Negate):
        operand = _compile(node.operand)

        def negate(values: Mapping[str, float | None]) -> float | None:
            value = operand(values)
            return None if value is None else -value

        return negate
    left, right = _compile(node.left), _compile(node.right)
    if node.op == "/":

        def divide(values: Mapping[str, float | None]) -> float | None:
            numerator, denominator = left(values), right(values)
            if numerator is None or denominator is None:
                return None
            return None if denominator == 0 else numerator / denominator

        return divide
    apply = _APPLY[node.op]

    def binary(values: Mapping[str, float | None]) -> float | None:
        a, b = left(values), right(values)
        return None if a is None or b is None else apply(a, b)

    return binary


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
