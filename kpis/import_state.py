"""What an import batch looks like to a person or a client: the stored status, refined by the worker's progress.

The import pages and the imports API both read it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kpis import tasks
from kpis.models import ImportBatch
from kpis.services.imports import series_pending

# Where the progress bar stands at the start of each stage; reading is the long one on a big file.
STAGE_PERCENT = {
    tasks.ImportStage.QUEUED: 3,
    tasks.ImportStage.READING: 10,
    tasks.ImportStage.CHECKING: 60,
    tasks.ImportStage.WRITING: 70,
    tasks.ImportStage.RECOMPUTING: 85,
}
STAGES = [
    (tasks.ImportStage.READING, "Reading"),
    (tasks.ImportStage.CHECKING, "Checking"),
    (tasks.ImportStage.WRITING, "Writing"),
    (tasks.ImportStage.RECOMPUTING, "Recomputing series"),
]


class State:
    NOT_STARTED = "not_started"
    QUEUED = "queued"
    RUNNING = "running"
    RECOMPUTING = "recomputing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    ALL = (NOT_STARTED, QUEUED, RUNNING, RECOMPUTING, SUCCEEDED, FAILED)
    IN_PROGRESS = (QUEUED, RUNNING, RECOMPUTING)


def batch_state(batch: ImportBatch, progress: dict[str, Any] | None) -> str:
    stage = (progress or {}).get("stage")
    if batch.status == ImportBatch.Status.PENDING:
        return State.QUEUED if stage else State.NOT_STARTED
    if batch.status == ImportBatch.Status.RUNNING:
        return State.RUNNING
    if series_pending(batch):
        return State.RECOMPUTING
    return str(batch.status)


@dataclass(frozen=True)
class BatchProgress:
    state: str
    stage: str
    rows: int
    percent: int

    @property
    def in_progress(self) -> bool:
        return self.state in State.IN_PROGRESS


def batch_progress(batch: ImportBatch, progress: dict[str, Any] | None) -> BatchProgress:
    """The batch's state, the stage it is in, the rows read so far and where a progress bar stands (0-100)."""
    progress = progress or {}
    state = batch_state(batch, progress)
    stage = str(progress.get("stage", ""))
    if state == State.RUNNING and not stage:
        # Running on a worker whose reports have not arrived, or have expired: at least it has started reading.
        stage = tasks.ImportStage.READING
    elif state == State.RECOMPUTING:
        stage = tasks.ImportStage.RECOMPUTING
    percent = 100 if state in (State.SUCCEEDED, State.FAILED) else STAGE_PERCENT.get(stage, 0)
    return BatchProgress(state=state, stage=stage, rows=int(progress.get("rows", 0)), percent=percent)


def batches_progress(batches: list[ImportBatch]) -> dict[int, BatchProgress]:
    """Each batch's progress, read from the shared cache in one round trip."""
    found = tasks.import_progress([batch.pk for batch in batches])
    return {batch.pk: batch_progress(batch, found.get(batch.pk)) for batch in batches}


def steps(stage: str) -> list[tuple[str, str]]:
    """Each stage's label and whether it is done, current or still to come."""
    keys = [key for key, _ in STAGES]
    current = keys.index(stage) if stage in keys else -1
    return [
        (label, "done" if index < current else "current" if index == current else "todo")
        for index, (_, label) in enumerate(STAGES)
    ]
