"""The import pages: upload a file, preview it, start it, watch it run, read the result; the history of imports."""

from __future__ import annotations

from typing import Any

import kombu.exceptions
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kpis import previews, tasks
from kpis.forms import ImportUploadForm
from kpis.import_state import State, batches_progress, steps
from kpis.models import ImportBatch, Kpi
from kpis.selectors import batch_replaced_cells
from kpis.services import followups, imports
from kpis.services.imports import import_batch_create, import_batch_rerun
from kpis.services.undo import import_batch_undo
from okrs.roles import actor_of, data_steward_required, is_data_steward

HISTORY_PAGE_SIZE = 20
REPLACED_SHOWN = 20


@require_http_methods(["GET", "POST"])
@data_steward_required
def import_list(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = import_batch_create(
            path_or_file=upload,
            filename=upload.name,
            source=ImportBatch.Source.UPLOAD,
            created_by=request.user if request.user.is_authenticated else None,
            sheet=form.cleaned_data["sheet"],
            replace=form.cleaned_data["replace"],
        )
        if form.preview is not None:
            previews.preview_remember(batch=batch, preview=form.preview)
        return redirect("import_detail", pk=batch.pk)
    page = Paginator(ImportBatch.objects.select_related("created_by"), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    progress = batches_progress(list(page))
    history = [(batch, progress[batch.pk].state) for batch in page]
    context = {"nav": "imports", "form": form, "page": page, "history": history}
    return render(request, "kpis/import_list.html", context, status=400 if form.errors else 200)


def _batch_context(batch: ImportBatch) -> dict[str, Any]:
    progress = batches_progress([batch])[batch.pk]
    return {
        "batch": batch,
        "state": progress.state,
        "in_progress": progress.in_progress,
        "stage": progress.stage,
        "steps": steps(progress.stage),
        "rows_so_far": progress.rows,
        "percent": progress.percent,
        "other_granularity": any(imports.REPLACE_HINT in str(error.get("message")) for error in batch.errors),
    }


@require_GET
@data_steward_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    context = {"nav": "imports", **_batch_context(batch)}
    if context["state"] == State.NOT_STARTED and batch.file:
        context["preview"] = previews.preview_for(batch=batch)
    if batch.started_at and batch.finished_at:
        context["duration"] = _duration((batch.finished_at - batch.started_at).total_seconds())
    changed_measures = (batch.changes or {}).get("measures") or []
    if batch.status in (ImportBatch.Status.SUCCEEDED, ImportBatch.Status.UNDONE) and changed_measures:
        context["kpis"] = Kpi.objects.filter(measures__id__in=changed_measures).distinct().order_by("name")
    context.update(_undo_context(request, batch))
    return render(request, "kpis/import_detail.html", context)


# Undoing an import (kpis.services.undo): the replaced cells it keeps, and the button for data stewards.


def _undo_context(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    if batch.dry_run or batch.status not in (ImportBatch.Status.SUCCEEDED, ImportBatch.Status.UNDONE):
        return {}
    return {
        "replaced": batch_replaced_cells(batch=batch, limit=REPLACED_SHOWN),
        "replaced_shown": REPLACED_SHOWN,
        "can_undo": batch.status == ImportBatch.Status.SUCCEEDED and is_data_steward(request.user),
    }


@require_POST
@data_steward_required
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a succeeded import, after the person ticked that they mean it."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm the undo; nothing was changed.")
        return redirect("import_detail", pk=batch.pk)
    try:
        import_batch_undo(batch=batch, actor=actor_of(request), on_commit=followups.key_results_enqueue)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except kombu.exceptions.OperationalError:
        # Undone and committed, with its series; only the key results' hand-over failed.
        messages.warning(request, "Import undone. Key results will catch up with the nightly recompute.")
    else:
        messages.success(request, "Import undone: its cells have their previous values again.")
    return redirect("import_detail", pk=batch.pk)


def _duration(seconds: float) -> str:
    """`0.4 s`, `12 s`, `3 min 05 s`: how long an import took, to the precision a person cares about."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


@require_GET
@data_steward_required
def import_progress_partial(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress block, polled while the import runs; once it is over the page reloads to show the result."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    context = _batch_context(batch)
    response = render(request, "kpis/partials/import_progress.html", context)
    if not context["in_progress"]:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@data_steward_required
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a previewed batch, or, to validate only or to import a file validated before, a new batch of it."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    action = request.POST.get("action")
    dry_run = action == "validate"
    # "replace": the refused file again, deleting the cells stored at another set of dimensions.
    replace = True if action == "replace" else None
    if not batch.file:
        messages.error(request, "This import has no stored file to run again; upload the file.")
        return redirect("import_list")
    if batch.status == ImportBatch.Status.PENDING and batch.dry_run == dry_run and replace is None:
        target = batch
    else:
        target = import_batch_rerun(
            batch=batch,
            dry_run=dry_run,
            created_by=request.user if request.user.is_authenticated else None,
            replace=replace,
        )
    # The batch is committed (views run in autocommit), so the task may be sent now, and whether that worked is
    # known here: with the broker down the batch stays startable and the page says why.
    tasks.import_progress_report(target.pk, tasks.ImportStage.QUEUED)
    try:
        tasks.import_batch_process_task.delay(target.pk)
    except kombu.exceptions.OperationalError:
        tasks.import_progress_clear(target.pk)
        messages.error(
            request,
            "The task queue (broker) cannot be reached, so the import was not started. Nothing was written; "
            "start it again once the queue is back.",
        )
    return redirect("import_detail", pk=target.pk)


urlpatterns: list[URLPattern] = [
    path("imports/", import_list, name="import_list"),
    path("imports/<int:pk>/", import_detail, name="import_detail"),
    path("imports/<int:pk>/start/", import_start, name="import_start"),
    path("imports/<int:pk>/progress/", import_progress_partial, name="import_progress"),
    path("imports/<int:pk>/undo/", import_undo, name="import_undo"),
]
