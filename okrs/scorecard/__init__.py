"""The scorecard and the dashboard's reads: `selector` (summaries, roll-ups, the alignment tree, KPI lines), `rows`
(the same from plain rows, for the pages), `objective_page` (one objective, its family and history) and
`presentation` (how its figures read)."""

from okrs.scorecard.selector import (
    TREND_PERIODS,
    AlignmentNode,
    Change,
    KpiLine,
    ObjectiveSummary,
    Rollup,
    Scorecard,
    TeamGroup,
    alignment_tree,
    group_by_team,
    objective_status,
    objective_summary,
    objectives_with_key_results,
    periods_with_objectives,
    rollup,
    scorecard_for,
)

__all__ = [
    "TREND_PERIODS",
    "AlignmentNode",
    "Change",
    "KpiLine",
    "ObjectiveSummary",
    "Rollup",
    "Scorecard",
    "TeamGroup",
    "alignment_tree",
    "group_by_team",
    "objective_status",
    "objective_summary",
    "objectives_with_key_results",
    "periods_with_objectives",
    "rollup",
    "scorecard_for",
]
