"""Key-result math: progress, pace, status and roll-ups (the forecast is okrs.forecast).

Pure: no database. Every function is null-safe: a missing input (no data yet) gives None, never 0 %, so that a key
result nobody has measured does not look like one that failed. Lower-is-better is handled by the same formula as
higher-is-better: progress is the share of the way from baseline to target, whichever way that points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Threshold(StrEnum):
    ABOVE = "above"
    BELOW = "below"
    WITHIN = "within"


class Status(StrEnum):
    NO_DATA = "no_data"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


# Behind the expected pace by at most this many points is still on track; by at most AT_RISK_GAP is at risk.
ON_TRACK_GAP = 10.0
AT_RISK_GAP = 25.0
# A forecast that reaches this much of the target lifts the status to at risk at worst.
AT_RISK_FORECAST = 75.0


@dataclass(frozen=True)
class Progress:
    percent: float  # 0-100
    over_achievement: float  # points beyond 100, 0 when not exceeded


def _clamped(raw: float) -> Progress:
    return Progress(percent=min(max(raw, 0.0), 100.0), over_achievement=max(raw - 100.0, 0.0))


def progress(
    baseline: float | None, target: float | None, current: float | None, direction: Direction | str
) -> Progress | None:
    """How far `current` has come from `baseline` towards `target`, clamped to 0-100 %.

    Lower is better: baseline 12.5, target 10, current 11.25 is 50 %. A target the baseline already meets (or a
    target equal to the baseline) is 100 % while the current value still meets it, else 0 %.
    """
    if baseline is None or target is None or current is None:
        return None
    lower = Direction(direction) == Direction.LOWER
    ahead_of_baseline = target < baseline if lower else target > baseline
    if not ahead_of_baseline:
        meets = current <= target if lower else current >= target
        return Progress(100.0 if meets else 0.0, 0.0)
    return _clamped(100.0 * (current - baseline) / (target - baseline))


def threshold_progress(
    current: float | None, mode: Threshold | str, low: float | None = None, high: float | None = None
) -> Progress | None:
    """Stay above `low`, below `high`, or within [low, high]: 100 % while holding, else 100 % less how far off.

    How far off is the distance to the broken bound relative to that bound's size, so missing "CSAT >= 85" by
    8.5 points is 90 %. A bound of 0 gives 0 % as soon as it is broken.
    """
    mode = Threshold(mode)
    needs_low = mode in (Threshold.ABOVE, Threshold.WITHIN)
    needs_high = mode in (Threshold.BELOW, Threshold.WITHIN)
    if current is None or (needs_low and low is None) or (needs_high and high is None):
        return None
    bound = None
    if needs_low and low is not None and current < low:
        bound = low
    elif needs_high and high is not None and current > high:
        bound = high
    if bound is None:
        return Progress(100.0, 0.0)
    if bound == 0:
        return Progress(0.0, 0.0)
    return _clamped(100.0 * (1.0 - abs(current - bound) / abs(bound)))


def target_from_change(baseline: float | None, change_percent: float) -> float | None:
    """ "-20 % vs last quarter" with last quarter at 12.5 gives 10.0."""
    if baseline is None:
        return None
    return baseline * (1.0 + change_percent / 100.0)


def expected(start: date, end: date, day: date) -> float:
    """The progress the pace calls for at the end of `day` in the period [start, end): the share of days elapsed."""
    total = (end - start).days
    elapsed = min(max((day - start).days + 1, 0), total)
    return 100.0 * elapsed / total


def status(
    progress_percent: float | None, expected_percent: float | None, forecast_percent: float | None = None
) -> Status:
    """On track when at most ON_TRACK_GAP points behind the pace or forecast to reach the target; at risk when at
    most AT_RISK_GAP behind or forecast to reach AT_RISK_FORECAST % of it; off track otherwise."""
    if progress_percent is None or expected_percent is None:
        return Status.NO_DATA
    gap = expected_percent - progress_percent
    if gap <= ON_TRACK_GAP or (forecast_percent is not None and forecast_percent >= 100.0):
        return Status.ON_TRACK
    if gap <= AT_RISK_GAP or (forecast_percent is not None and forecast_percent >= AT_RISK_FORECAST):
        return Status.AT_RISK
    return Status.OFF_TRACK


def weighted_mean(items: Iterable[tuple[float | None, float]]) -> float | None:
    """The weighted mean of (progress, weight) pairs, skipping those with no data; all weights 0 gives the plain mean.

    Serves objectives (over key results) and the roll-ups to team and period (over objectives).
    """
    known = [(value, weight) for value, weight in items if value is not None]
    if not known:
        return None
    total_weight = sum(weight for _, weight in known)
    if total_weight == 0:
        return sum(value for value, _ in known) / len(known)
    return sum(value * weight for value, weight in known) / total_weight


def guardrail_holds(value: float | None, comparison: str, threshold: float) -> bool:
    """Whether a guardrail such as "CSAT >= 85" holds; with no data it is not (yet) breached."""
    if value is None:
        return True
    return value >= threshold if comparison == ">=" else value <= threshold
