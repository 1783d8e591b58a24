"""The export formats, one object each: its extension, its content type and the function that writes it.

Pages, the command and the scheduled e-mail ask this module rather than branching on a format's name; a new
format is one entry here and one writer module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from okrs.exports import csv_file, pdf_file, pptx_file, xlsx_file
from okrs.exports.document import ExportDocument


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    content_type: str
    write: Callable[[ExportDocument], bytes]

    def filename(self, document: ExportDocument) -> str:
        return document.filename(self.key)


FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in (
        ExportFormat("csv", "CSV", "text/csv; charset=utf-8", csv_file.render),
        ExportFormat(
            "xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx_file.render
        ),
        ExportFormat("pdf", "PDF", "application/pdf", pdf_file.render),
        ExportFormat(
            "pptx",
            "Slides",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            pptx_file.render,
        ),
    )
}
