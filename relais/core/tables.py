"""The breakdowns of the indicator pages (requests, insertion, evaluation): one table as shown on
the page, exported to CSV (French Excel) or XLSX with the same headers and rows."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpResponse

from relais.core.csv_export import ExcelCsv, neutralised

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class IndicatorTable:
    """One breakdown, as shown on the page and exported."""

    key: str  # ?export=<key>
    caption: str
    headers: list[str]
    rows: list[list]


def find_table(tables: Sequence[IndicatorTable], key: str) -> IndicatorTable | None:
    return next((table for table in tables if table.key == key), None)


def tables_xlsx(tables: Sequence[IndicatorTable]) -> bytes:
    """One sheet per table; text that opens like a formula stays text (a name typed « =… »)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for table in tables:
        sheet = workbook.create_sheet(title=table.caption[:31])
        sheet.append([neutralised(cell) for cell in table.headers])
        for row in table.rows:
            sheet.append([neutralised(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(tables: Sequence[IndicatorTable], filename: str) -> HttpResponse:
    response = HttpResponse(tables_xlsx(tables), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(table: IndicatorTable, filename: str) -> HttpResponse:
    writer = ExcelCsv([*table.headers])
    for row in table.rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return writer.response(filename)
