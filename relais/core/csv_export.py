"""CSV files that a French Excel opens as they are: UTF-8 with a BOM (or accents break), ';' as the
separator (',' is the decimal mark), CRLF line ends.

Text that a spreadsheet would run as a formula (=, +, -, @, or a tab/CR before one) is written with
a leading apostrophe: a person's name or an exchange's summary typed as « =HYPERLINK(…) » must stay
text in the agent's Excel, not a link or a command."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.http import HttpResponse

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """The cell as the spreadsheet must show it: a text that opens like a formula becomes plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class ExcelCsv:
    def __init__(self, header: Sequence[str]) -> None:
        self._buffer = io.StringIO()
        self._buffer.write("\ufeff")
        self._writer = csv.writer(self._buffer, delimiter=";", lineterminator="\r\n")
        self._writer.writerow([neutralised(cell) for cell in header])

    def writerow(self, row: Sequence[object]) -> None:
        self._writer.writerow([neutralised(cell) for cell in row])

    def response(self, filename: str) -> HttpResponse:
        response = HttpResponse(self._buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
