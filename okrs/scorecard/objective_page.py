"""The objective page's reads: one objective with what it aligns to, what aligns to it (across teams, as far as the
user can see) and its progress day by day, from the scorecard selector's summaries and alignment tree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from okrs import progress
from okrs.models import KeyResult, ProgressSnapshot
from okrs.scorecard.selector import AlignmentNode, ObjectiveSummary, alignment_tree, instance_summaries
from okrs.selectors import objectives_for_user


@dataclass(frozen=True)
class HistoryPoint:
    day: date
    progress: float | None
    expected: float | None


@dataclass(frozen=True)
class ObjectivePage:
    """One objective with what it aligns to, what aligns to it (across teams) and its progress day by day."""

    summary: ObjectiveSummary
    parent: ObjectiveSummary | None
    parent_key_result: KeyResult | None  # the parent's key result this objective supports, if it aligns to one
    subtree: AlignmentNode
    history: list[HistoryPoint]

    @property
    def children(self) -> list[AlignmentNode]:
        return self.subtree.children


def _objective_history(summary: ObjectiveSummary) -> list[HistoryPoint]:
    """The objective's progress and pace on each day its key results were snapshotted: the same weighted means as
    its summary, over the snapshots, in one query."""
    weights = {kr.pk: kr.weight for kr in summary.key_results}
    rows = ProgressSnapshot.objects.filter(key_result_id__in=weights).order_by("day")
    by_day: dict[date, list[tuple[float | None, float | None, float]]] = {}
    for day, kr_id, measured, expected in rows.values_list("day", "key_result_id", "progress", "expected"):
        by_day.setdefault(day, []).append((measured, expected, weights[kr_id]))
    return [
        HistoryPoint(
            day,
            progress.weighted_mean((p, w) for p, _, w in items),
            progress.weighted_mean((e, w) for p, e, w in items if p is not None),
        )
        for day, items in by_day.items()
    ]


def objective_page(*, user: User | AnonymousUser, pk: int) -> ObjectivePage | None:
    """The objective page's reads; None when the objective does not exist or lies outside the user's teams.

    Descendants are read a generation per query, whatever their teams or periods, as far as the user can see them.
    """
    visible = objectives_for_user(user=user)
    found = instance_summaries(visible.filter(pk=pk))
    if not found:
        return None
    summary = found[0]
    objective = summary.objective
    parent_key_result = None
    parent_id = objective.parent_objective_id
    if objective.parent_key_result_id is not None:
        parent_key_result = KeyResult.objects.filter(
            pk=objective.parent_key_result_id, objective__in=visible.values("pk")
        ).first()
        parent_id = parent_key_result.objective_id if parent_key_result is not None else None
    parents = instance_summaries(visible.filter(pk=parent_id)) if parent_id is not None else []
    family, generation, seen = [summary], [summary], {objective.pk}
    while generation:
        ids = [s.objective.pk for s in generation]
        below = visible.filter(Q(parent_objective_id__in=ids) | Q(parent_key_result__objective_id__in=ids))
        generation = instance_summaries(below.exclude(pk__in=seen).order_by("team__name", "title", "pk"))
        seen.update(s.objective.pk for s in generation)
        family.extend(generation)
    subtree = next(node for node in alignment_tree(family) if node.summary is summary)
    return ObjectivePage(
        summary, parents[0] if parents else None, parent_key_result, subtree, _objective_history(summary)
    )
