"""Calendar arithmetic with no database: openings expanded into windows, absences cut out, slots laid.

Everything here takes and returns plain values, so the precomputation, the slot search and the
benchmark's naive baseline share one definition of what is open and what is free.
Opening times are wall-clock times in Europe/Paris; results are aware datetimes (DST-safe).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from relais.core.calendar import PARIS, is_holiday


@dataclass(frozen=True)
class Opening:
    id: int
    weekdays: frozenset[int]
    start_time: dt.time
    end_time: dt.time
    every_n_weeks: int
    valid_from: dt.date
    valid_until: dt.date | None
    open_on_holidays: bool


@dataclass(frozen=True)
class AbsenceSpan:
    starts_at: dt.datetime
    ends_at: dt.datetime
    repeat_weekly_until: dt.date | None = None

    def occurrences(self, until: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Each weekly repetition, computed in local time so a DST change keeps the wall-clock hours."""
        start_local, end_local = self.starts_at.astimezone(PARIS), self.ends_at.astimezone(PARIS)
        week = 0
        while True:
            shift = dt.timedelta(weeks=week)
            start = dt.datetime.combine(start_local.date() + shift, start_local.time(), PARIS)
            end = dt.datetime.combine(end_local.date() + shift, end_local.time(), PARIS)
            if start >= until:
                return
            yield start, end
            if self.repeat_weekly_until is None or (start_local.date() + dt.timedelta(weeks=week + 1)) > self.repeat_weekly_until:
                return
            week += 1


def expand_opening(opening: Opening, first_day: dt.date, last_day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The opening's time ranges on each day from first_day to last_day (inclusive)."""
    day = max(first_day, opening.valid_from)
    end_day = min(last_day, opening.valid_until) if opening.valid_until else last_day
    # Weeks are counted from the Monday of the validity start: "every 2 weeks" alternates from there.
    anchor = opening.valid_from - dt.timedelta(days=opening.valid_from.weekday())
    while day <= end_day:
        if (
            day.weekday() in opening.weekdays
            and ((day - anchor).days // 7) % opening.every_n_weeks == 0
            and (opening.open_on_holidays or not is_holiday(day))
        ):
            yield dt.datetime.combine(day, opening.start_time, PARIS), dt.datetime.combine(day, opening.end_time, PARIS)
        day += dt.timedelta(days=1)


def subtract(
    spans: Iterable[tuple[dt.datetime, dt.datetime]], holes: Sequence[tuple[dt.datetime, dt.datetime]]
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Cut the holes out of each span; `holes` sorted by start."""
    for start, end in spans:
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor:
                continue
            if hole_start >= end:
                break
            if hole_start > cursor:
                yield cursor, hole_start
            cursor = max(cursor, hole_end)
            if cursor >= end:
                break
        if cursor < end:
            yield cursor, end


def windows_for(
    openings: Iterable[Opening], absences: Iterable[AbsenceSpan], first_day: dt.date, last_day: dt.date
) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """(opening id, start, end) of every open window of an agenda over the days, absences removed."""
    until = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, PARIS)
    holes = sorted(span for absence in absences for span in absence.occurrences(until))
    result = []
    for opening in openings:
        for start, end in subtract(expand_opening(opening, first_day, last_day), holes):
            result.append((opening.id, start, end))
    result.sort(key=lambda item: item[1])
    return result


Moment = TypeVar("Moment", dt.datetime, int)  # aware datetimes, or seconds since 1970 for speed


def free_starts(
    window_start: Moment,
    window_end: Moment,
    busy: Sequence[tuple[Moment, Moment]],
    duration: Any,  # timedelta with datetimes, seconds with seconds
    buffer: Any,
    earliest: Moment,
    latest: Moment,
) -> Iterator[Moment]:
    """Slot starts in a window: the appointment fits before the window closes and, with its buffer,
    overlaps nothing busy. Slots follow each other every duration + buffer; after a busy block, the
    next one starts when the block ends. `busy` holds (start, blocked_until) sorted by start."""
    step = duration + buffer
    cursor = window_start
    # Busy blocks of one agenda never overlap, so their ends are sorted too: skip straight to the
    # first block still running at the window's start.
    index = bisect.bisect_right(busy, cursor, key=lambda block: block[1])
    while cursor + duration <= window_end and cursor <= latest:
        while index < len(busy) and busy[index][1] <= cursor:
            index += 1
        clash = index < len(busy) and busy[index][0] < cursor + step and busy[index][1] > cursor
        if clash:
            cursor = busy[index][1]
            continue
        if cursor >= earliest:
            yield cursor
        cursor += step
