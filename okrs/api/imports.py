"""Data in through the API: measurements pushed as JSON, files uploaded, and the import batches both become.

Data stewards and org admins only, as on the import pages. A push is validated and written while the client waits
(kpis.services.push): 400 with each problem's record and field and nothing written, or 202 with the batch, whose
KPI series and key results are then recomputed by the workers. An uploaded file is queued for a worker: 202 with
the batch, whose status, progress and line-numbered errors are read at its URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import kombu.exceptions
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from kpis import previews, tasks
from kpis.api.errors import RequestTooLarge, form_errors
from kpis.api.schema import bad_request, error_response
from kpis.api.throttling import ScopedThrottle
from kpis.forms import ImportUploadForm
from kpis.import_state import State, batches_progress
from kpis.models import ImportBatch
from kpis.services import push
from kpis.services.imports import import_batch_create
from okrs.api import examples
from okrs.api.permissions import IsDataSteward
from okrs.api.views import NotFoundNamed
from okrs.models import AccessToken

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY_MAX = 255


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The task queue cannot be reached; nothing was started. Try again shortly."
    default_code = "queue_unavailable"


class ImportProblemSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(
        allow_null=True, help_text="The file's line (the header is line 1); null: the file."
    )
    column = serializers.CharField(allow_null=True, help_text="The column's name; null: the whole line.")
    message = serializers.CharField()


class ImportProgressSerializer(serializers.Serializer[Any]):
    stage = serializers.CharField(help_text="`queued`, `reading`, `checking`, `writing`, `recomputing`, or empty.")
    rows = serializers.IntegerField(help_text="Rows read so far.")
    percent = serializers.IntegerField(min_value=0, max_value=100, help_text="Where a progress bar stands.")


class CellCountsSerializer(serializers.Serializer[ImportBatch]):
    inserted = serializers.IntegerField(source="cells_inserted")
    updated = serializers.IntegerField(source="cells_updated")
    unchanged = serializers.IntegerField(source="cells_unchanged")


class ImportBatchSerializer(serializers.ModelSerializer[ImportBatch]):
    url = serializers.SerializerMethodField(help_text="This batch in the API.")
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    state = serializers.SerializerMethodField(
        help_text="The status refined by the worker's progress: `not_started`, `queued`, `running`, `recomputing` "
        "(the data is in, the KPI series are being recomputed), `succeeded` or `failed`."
    )
    progress = serializers.SerializerMethodField()
    cells = CellCountsSerializer(source="*")
    errors = ImportProblemSerializer(many=True, help_text="Why a failed batch wrote nothing; line-numbered.")  # type: ignore[assignment]

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "url",
            "source",
            "filename",
            "file_format",
            "dry_run",
            "status",
            "state",
            "progress",
            "created_at",
            "created_by",
            "started_at",
            "finished_at",
            "series_recomputed_at",
            "rows_read",
            "cells",
            "errors",
        ]

    def _progress(self, batch: ImportBatch) -> Any:
        found = self.context.get("progress", {})
        return found.get(batch.pk) or batches_progress([batch])[batch.pk]

    @extend_schema_field(serializers.URLField())
    def get_url(self, batch: ImportBatch) -> str:
        return str(self.context["request"].build_absolute_uri(f"/api/v1/imports/{batch.pk}/"))

    @extend_schema_field(serializers.ChoiceField(choices=list(State.ALL)))
    def get_state(self, batch: ImportBatch) -> str:
        return str(self._progress(batch).state)

    @extend_schema_field(ImportProgressSerializer)
    def get_progress(self, batch: ImportBatch) -> dict[str, Any]:
        found = self._progress(batch)
        return {"stage": found.stage, "rows": found.rows, "percent": found.percent}


class PushRequestSerializer(serializers.Serializer[Any]):
    """The push body, for the schema; the records are checked by the file import's rules (kpis.layouts)."""

    records = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()),
        min_length=1,
        help_text="One object per row of the file the push stands for: `date` (YYYY-MM-DD), a key per dimension "
        "(`team`: `Tier 1`) and either a key per measure (wide: `total_contacts`: 120) or `measure` and "
        "`value` (long). Values are numbers, strings or null (no value).",
    )


_PUSH_EXAMPLE = {
    "records": [
        {"date": "2026-12-01", "team": "Tier 1", "total_contacts": 812, "escalated_contacts": 97},
        {"date": "2026-12-01", "team": "Tier 2", "total_contacts": 240, "escalated_contacts": 12},
    ]
}
_PUSH_LONG_EXAMPLE = {
    "records": [
        {"date": "2026-12-01", "team": "Tier 1", "measure": "total_contacts", "value": 812},
        {"date": "2026-12-01", "team": "Tier 1", "measure": "escalated_contacts", "value": 97},
    ]
}


# What JSON values parse to, but objects and arrays: checked by type per record, in C (a push has 100,000s).
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


def _records(data: Any) -> list[dict[str, Any]]:
    """The body's records, or 400 naming the first misshapen ones; checked in one loop, not per field object."""
    if not isinstance(data, dict) or set(data) != {"records"}:
        raise ValidationError({"records": ["Send an object with one key, `records`: a list of objects."]})
    records = data["records"]
    if not isinstance(records, list) or not records:
        raise ValidationError({"records": ["Give a non-empty list of records."]})
    errors: dict[str, list[str]] = {}
    scalar = _SCALAR_TYPES.issuperset
    for index, record in enumerate(records):
        if type(record) is not dict:
            errors[f"records.{index}"] = ['A record is an object: {"date": …, "team": …, measure: value}.']
        elif not scalar(map(type, record.values())):
            for name, value in record.items():
                if type(value) not in _SCALAR_TYPES:
                    errors[f"records.{index}.{name}"] = ["Give a number, a string or null."]
        if len(errors) >= 50:
            break
    if errors:
        raise ValidationError(errors)
    return records


def _rejected(errors: Sequence[push.PushError]) -> ValidationError:
    detail: dict[str, list[str]] = {}
    for error in errors:
        detail.setdefault(error.path or "records", []).append(error.message)
    return ValidationError(detail)


def _series_enqueue(batch_id: int) -> None:
    # The data has committed; if the queue is down, the recovery sweep recomputes the series once it is back.
    try:
        tasks.series_recompute_for_batch_task.delay(batch_id)
    except kombu.exceptions.OperationalError:
        logger.warning("Series recompute of pushed batch %s not queued; the recovery sweep will.", batch_id)


@extend_schema(
    summary="Push measurements",
    description=(
        "Cells of measures as JSON records, with the file import's rules and errors: the same columns (`date`, "
        "dimension keys, measure keys; or `measure` and `value`), all-or-nothing. The cells are written before "
        "the answer: a 400 names each problem's record (`records.3.total_contacts`) and nothing was written; a 202 "
        "means every cell is in, as an import batch with source `api`, and the KPI series and key results are "
        "being recomputed (follow the batch's `url` until its `state` is `succeeded`).\n\n"
        f"Send an `{IDEMPOTENCY_HEADER}` header (any unique text up to {_KEY_MAX} characters) to make a retry safe: "
        "the same key with the same body is answered with the first answer and applied once; with another body "
        f"it is refused. Needs the `push` scope and a data steward's or org admin's account. Bodies up to "
        f"{settings.API_MAX_PUSH_BYTES // (1024 * 1024)} MB."
    ),
    request=PushRequestSerializer,
    parameters=[
        OpenApiParameter(
            IDEMPOTENCY_HEADER,
            str,
            OpenApiParameter.HEADER,
            required=False,
            description="Makes a retry safe: the same key and body are applied once.",
        ),
    ],
    responses={
        202: ImportBatchSerializer,
        400: bad_request(
            ("Not a number", "records.3.total_contacts", "'lots' is not a number"),
            ("Unknown column", "records.*.totl_contacts", "unknown column 'totl_contacts'"),
            ("Key reused", IDEMPOTENCY_HEADER, "This key was used with another body; use a new key."),
        ),
        503: error_response(
            503,
            "The task queue cannot be reached.",
            (
                "Queue down",
                {
                    "status": 503,
                    "code": "queue_unavailable",
                    "detail": "The task queue cannot be reached; nothing was started. Try again shortly.",
                    "errors": [
                        {
                            "field": None,
                            "code": "queue_unavailable",
                            "message": "The task queue cannot be reached; nothing was started. Try again shortly.",
                        }
                    ],
                },
            ),
        ),
    },
    examples=[
        OpenApiExample("Wide records", value=_PUSH_EXAMPLE, request_only=True),
        OpenApiExample("Long records", value=_PUSH_LONG_EXAMPLE, request_only=True),
        OpenApiExample("Accepted", value=examples.IMPORT_BATCH, response_only=True, status_codes=[202]),
    ],
)
class MeasurementPush(APIView):
    permission_classes = [*APIView.permission_classes, IsDataSteward]
    throttle_classes: Sequence[type[BaseThrottle]] = [ScopedThrottle]
    throttle_scope = "push"
    required_scope = AccessToken.Scope.PUSH
    max_request_bytes = settings.API_MAX_PUSH_BYTES

    def post(self, request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if len(key) > _KEY_MAX or not key.isprintable():
            raise ValidationError({IDEMPOTENCY_HEADER: [f"Give printable text of up to {_KEY_MAX} characters."]})
        records = _records(request.data)
        user = request.user
        digest = ""
        if key:
            digest = push.body_digest(json.dumps(request.data, sort_keys=True, separators=(",", ":")).encode())
            try:
                earlier = push.push_replay(user=user, key=key, digest=digest)  # type: ignore[arg-type]
            except push.PushKeyReused:
                raise ValidationError(
                    {IDEMPOTENCY_HEADER: ["This key was used with another body; use a new key for a new push."]}
                ) from None
            if earlier is not None:
                return self._accepted(earlier.response, replayed=True)

        def respond(batch: ImportBatch) -> dict[str, Any]:
            return dict(ImportBatchSerializer(batch, context={"request": request}).data)

        try:
            batch = push.measurements_push(
                records=records,
                created_by=user,  # type: ignore[arg-type]
                idempotency_key=key,
                digest=digest,
                respond=respond,
            )
        except push.PushRejected as rejected:
            raise _rejected(rejected.errors) from None
        _series_enqueue(batch.pk)
        tasks.import_ended_notify(batch.pk)
        return self._accepted(respond(batch), replayed=False)

    def _accepted(self, body: dict[str, Any], *, replayed: bool) -> Response:
        headers = {"Location": body["url"]}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)


class BoundedMultiPartParser(MultiPartParser):
    """A file upload, refused with 413 from its Content-Length before it is read."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if length and str(length).isdigit() and int(length) > limit:
            raise RequestTooLarge(f"The upload is {int(length):,} bytes; files up to {limit:,} bytes can be imported.")
        return super().parse(stream, media_type, parser_context)


class ImportUploadSerializer(serializers.Serializer[Any]):
    """The upload's form fields, for the schema; the form the import page uses checks them."""

    file = serializers.FileField(help_text="A CSV (UTF-8, comma or semicolon) or XLSX file, as on the import page.")
    sheet = serializers.CharField(required=False, help_text="Only for a workbook with several data sheets.")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Check the file, write nothing.")


_QUEUED = examples.IMPORT_BATCH | {
    "source": "api",
    "filename": "march.csv",
    "file_format": "",
    "status": "pending",
    "state": "queued",
    "progress": {"stage": "queued", "rows": 0, "percent": 3},
    "started_at": None,
    "finished_at": None,
    "rows_read": 0,
    "cells": {"inserted": 0, "updated": 0, "unchanged": 0},
}


class _Imports:
    permission_classes: Any = [*APIView.permission_classes, IsDataSteward]

    def get_queryset(self) -> QuerySet[ImportBatch]:
        return ImportBatch.objects.select_related("created_by")


@extend_schema(
    summary="List imports",
    description="Every import batch, newest first: uploaded files, command-line imports and pushes. Data stewards "
    "and org admins only.",
    examples=[OpenApiExample("A batch", value=examples.IMPORT_BATCH, response_only=True)],
    methods=["GET"],
)
@extend_schema(
    summary="Upload a file to import",
    description="The file is checked as on the import page (type, size, readable) and queued: 202 with the batch, "
    "whose `state`, `progress` and line-numbered `errors` are read at its `url`.",
    request={"multipart/form-data": ImportUploadSerializer},
    responses={
        202: ImportBatchSerializer,
        400: bad_request(("Not CSV or XLSX", "file", "notes.txt is neither a CSV file nor an XLSX workbook.")),
    },
    examples=[OpenApiExample("Queued", value=_QUEUED, response_only=True, status_codes=[202])],
    methods=["POST"],
)
class ImportList(_Imports, generics.ListCreateAPIView[ImportBatch]):
    serializer_class = ImportBatchSerializer
    parser_classes = [BoundedMultiPartParser]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_serializer_context(self) -> dict[str, Any]:
        return dict(super().get_serializer_context()) | {"progress": getattr(self, "_page_progress", {})}

    def paginate_queryset(self, queryset: QuerySet[ImportBatch]) -> list[ImportBatch] | None:  # type: ignore[override]
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._page_progress = batches_progress(list(page))
        return page

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data: Any = request.data
        unknown = set(data) - {"file", "sheet", "dry_run"}
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        dry_run = serializers.BooleanField(required=False).run_validation(data.get("dry_run", False))
        form = ImportUploadForm({"sheet": data.get("sheet", "")}, request.FILES)
        if not form.is_valid():
            raise form_errors(form)
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            batch = import_batch_create(
                path_or_file=upload,
                filename=upload.name,
                source=ImportBatch.Source.API,
                created_by=request.user,  # type: ignore[arg-type]
                dry_run=dry_run,
                sheet=form.cleaned_data["sheet"],
            )
        if form.preview is not None:
            previews.preview_remember(batch=batch, preview=form.preview)
        tasks.import_progress_report(batch.pk, tasks.ImportStage.QUEUED)
        try:
            tasks.import_batch_process_task.delay(batch.pk)
        except kombu.exceptions.OperationalError:
            tasks.import_progress_clear(batch.pk)
            raise ServiceUnavailable(
                "The task queue cannot be reached, so the import was not started; the file is kept as batch "
                f"{batch.pk}, which the import page can start once the queue is back."
            ) from None
        batch.refresh_from_db()  # a worker may have started it already
        body = ImportBatchSerializer(batch, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


@extend_schema(
    summary="Get an import",
    description="The batch's status, progress while it runs, cell counts once it is in, and why it failed: each "
    "problem with the file's line and column.",
    examples=[OpenApiExample("A batch", value=examples.IMPORT_BATCH, response_only=True)],
)
class ImportDetail(_Imports, NotFoundNamed, generics.RetrieveAPIView[ImportBatch]):
    serializer_class = ImportBatchSerializer

    noun = "import"
