from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpis.csv_safety import spreadsheet_safe
from kpis.formatting import format_raw, format_value
from kpis.models import Dimension, Kpi
from kpis.periods import Grain
from kpis.selectors import kpi_series_values, series_inputs


class Command(BaseCommand):
    help = "Print a KPI's series per period, overall or by a dimension, as CSV or a table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="KPI key, e.g. contact_escalation_rate")
        parser.add_argument("--grain", choices=[g.value for g in Grain], default=Grain.MONTH.value)
        parser.add_argument("--by", metavar="DIMENSION", help="one row per value of this dimension, e.g. team")
        parser.add_argument("--format", choices=["csv", "table"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        kpi = Kpi.objects.prefetch_related("measures").filter(key=options["key"]).first()
        if kpi is None:
            known = ", ".join(Kpi.objects.values_list("key", flat=True)) or "none yet; run load_kpi_library"
            raise CommandError(f"Unknown KPI {options['key']!r}. Known KPIs: {known}.")
        dimension = None
        if options["by"]:
            dimension = Dimension.objects.filter(key=options["by"]).first()
            if dimension is None:
                known = ", ".join(Dimension.objects.values_list("key", flat=True)) or "none"
                raise CommandError(f"Unknown dimension {options['by']!r}. Known dimensions: {known}.")
        values = kpi_series_values(kpi=kpi, grain=options["grain"], dimension=dimension)
        inputs = series_inputs(kpi=kpi, grain=options["grain"], dimension=dimension)
        measures = sorted(m.key for m in kpi.measures.all())
        header = ["period", *([dimension.key] if dimension else []), "value", "start", "end", *measures]
        rows = []
        for item in values:
            behind = inputs.get((item.period_id, item.member), {})
            rows.append(
                [
                    item.period.label,
                    *([item.member] if dimension else []),
                    item.value,
                    item.period.start.isoformat(),
                    item.period.end.isoformat(),
                    *(behind.get(key) for key in measures),
                ]
            )
        if options["format"] == "csv":
            self._write_csv(header, rows)
        else:
            self._write_table(kpi, header, rows, value_column=header.index("value"))

    def _write_csv(self, header: list[str], rows: list[list[Any]]) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow([spreadsheet_safe(name) for name in header])
        for row in rows:
            writer.writerow(
                [spreadsheet_safe(format_raw(cell) if isinstance(cell, float | None) else cell) for cell in row]
            )

    def _write_table(self, kpi: Kpi, header: list[str], rows: list[list[Any]], value_column: int) -> None:
        def cell(index: int, value: Any) -> str:
            if index == value_column:
                return format_value(value, kpi.unit, kpi.decimals)
            if isinstance(value, float | None):
                return format_raw(value)
            return str(value)

        table = [header, *([cell(i, v) for i, v in enumerate(row)] for row in rows)]
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        self.stdout.write(f"{kpi.name} ({kpi.key}) — {kpi.formula}")
        for line in table:
            self.stdout.write("  ".join(text.rjust(width) for text, width in zip(line, widths, strict=True)))
        if not rows:
            self.stdout.write("No values yet: import measurements first.")
