"""Red / amber / green for a KPI value: against the KPI's thresholds, or against a target. Pure: no database."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class Range:
    """A closed range; either end may be open (None)."""

    low: float | None = None
    high: float | None = None

    def __contains__(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    @property
    def is_open(self) -> bool:
        return self.low is None and self.high is None


def threshold_status(value: float | None, green: Range, amber: Range) -> Rag | None:
    """Green inside the green range, else amber inside the amber range, else red; None without value or ranges."""
    if value is None or green.is_open:
        return None
    if value in green:
        return Rag.GREEN
    if not amber.is_open and value in amber:
        return Rag.AMBER
    return Rag.RED


def target_range(*, direction: str, value: float | None, band: Range) -> Range:
    """The values that meet a target: at least `value` (higher is better), at most (lower), or inside the band."""
    if value is None:
        return band
    if direction == "lower":
        return Range(high=value)
    if direction == "higher":
        return Range(low=value)
    return Range(low=value, high=value) if band.is_open else band


def target_status(
    actual: float | None, *, direction: str, value: float | None, band: Range, tolerance: float = 0
) -> Rag | None:
    """Green when the target is met, amber when missed by no more than `tolerance`, else red."""
    met = target_range(direction=direction, value=value, band=band)
    widened = Range(
        None if met.low is None else met.low - tolerance,
        None if met.high is None else met.high + tolerance,
    )
    return threshold_status(actual, met, widened)
