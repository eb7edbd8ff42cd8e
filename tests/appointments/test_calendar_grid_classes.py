"""The calendar grid places its cells with classes from relais.css (the Content-Security-Policy refuses
style attributes): the stylesheet has a class for every row, span and column the view can produce."""

import re
from pathlib import Path

from relais.appointments import views_calendar as view

CSS = (Path(view.__file__).resolve().parent.parent / "core" / "static" / "relais" / "relais.css").read_text()


def _defined(prefix: str) -> set[int]:
    return {int(number) for number in re.findall(rf"\.{prefix}-(\d+) \{{", CSS)}


def test_every_place_the_view_can_give_has_its_class():
    # The view's row for a start at 23:59 (the latest), plus one: the template shifts the cells below
    # the day names' row.
    last_row = (23 - view.DAY_START) * 60 // view.ROW_MINUTES + 59 // view.ROW_MINUTES + 1 + 1
    hour_rows = {2 + i * 60 // view.ROW_MINUTES for i in range(view.DAY_END - view.DAY_START)}
    assert set(range(1, last_row + 1)) | hour_rows <= _defined("cal-row")
    assert set(range(1, view.MAX_SPAN + 1)) | {60 // view.ROW_MINUTES} <= _defined("cal-span")
    assert set(range(1, 2 + 6)) <= _defined("cal-col")  # the hours, then up to six days


def test_the_grid_tracks_match_the_hours_shown():
    rows = (view.DAY_END - view.DAY_START) * 60 // view.ROW_MINUTES
    assert (
        f".calendar-grid {{ grid-template-columns: 4rem repeat(6, 1fr); grid-template-rows: 2rem repeat({rows}, 0.9rem); }}"
        in CSS
    )
