"""CSV files that a French Excel opens as they are: UTF-8 with a BOM (or accents break), ';' as the
separator (',' is the decimal mark), CRLF line ends."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.http import HttpResponse


class ExcelCsv:
    def __init__(self, header: Sequence[str]) -> None:
        self._buffer = io.StringIO()
        self._buffer.write("\ufeff")
        self._writer = csv.writer(self._buffer, delimiter=";", lineterminator="\r\n")
        self._writer.writerow(header)

    def writerow(self, row: Sequence[object]) -> None:
        self._writer.writerow(row)

    def response(self, filename: str) -> HttpResponse:
        response = HttpResponse(self._buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
