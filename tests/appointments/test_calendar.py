import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from relais.appointments.calendar import PARIS, AbsenceSpan, Opening, expand_opening, free_starts, subtract, windows_for

MONDAY = dt.date(2027, 3, 1)


def opening(**changes):
    values = {
        "id": 1, "weekdays": frozenset({0, 2}), "start_time": dt.time(9), "end_time": dt.time(12), "every_n_weeks": 1,
        "valid_from": MONDAY, "valid_until": None, "open_on_holidays": False,
    }  # fmt: skip
    values.update(changes)
    return Opening(**values)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), PARIS)


def test_weekly_opening_on_its_days_only():
    days = [start.date() for start, _ in expand_opening(opening(), MONDAY, MONDAY + dt.timedelta(days=13))]
    assert days == [MONDAY, MONDAY + dt.timedelta(days=2), MONDAY + dt.timedelta(days=7), MONDAY + dt.timedelta(days=9)]


def test_every_two_weeks_alternates_from_the_start_week():
    every_other = opening(weekdays=frozenset({2}), every_n_weeks=2)
    days = [start.date() for start, _ in expand_opening(every_other, MONDAY, MONDAY + dt.timedelta(days=34))]
    assert days == [dt.date(2027, 3, 3), dt.date(2027, 3, 17), dt.date(2027, 3, 31)]


def test_public_holidays_are_closed_unless_the_opening_says_otherwise():
    easter_monday = dt.date(2027, 3, 29)
    closed = list(expand_opening(opening(weekdays=frozenset({0})), easter_monday, easter_monday))
    assert closed == []
    assert len(list(expand_opening(opening(weekdays=frozenset({0}), open_on_holidays=True), easter_monday, easter_monday))) == 1


def test_daylight_saving_time_keeps_wall_clock_hours():
    before, after = dt.date(2027, 3, 24), dt.date(2027, 3, 31)  # Wednesdays around the change of 28 March
    spans = list(expand_opening(opening(), before, after))
    assert [s.astimezone(PARIS).hour for s, _ in spans] == [9, 9]
    assert spans[0][0].utcoffset() != spans[1][0].utcoffset()


def test_absences_cut_windows_and_repeat_weekly():
    absence = AbsenceSpan(at(MONDAY, 10), at(MONDAY, 11), repeat_weekly_until=MONDAY + dt.timedelta(days=7))
    windows = windows_for([opening(weekdays=frozenset({0}))], [absence], MONDAY, MONDAY + dt.timedelta(days=14))
    assert [(s.astimezone(PARIS).strftime("%d %H:%M"), e.astimezone(PARIS).strftime("%H:%M")) for _, s, e in windows] == [
        ("01 09:00", "10:00"), ("01 11:00", "12:00"), ("08 09:00", "10:00"), ("08 11:00", "12:00"), ("15 09:00", "12:00"),
    ]  # fmt: skip


def test_slots_skip_busy_blocks_and_honour_buffers():
    thirty, ten = dt.timedelta(minutes=30), dt.timedelta(minutes=10)
    busy = [(at(MONDAY, 9, 35), at(MONDAY, 10, 20))]
    starts = list(free_starts(at(MONDAY, 9), at(MONDAY, 11), busy, thirty, ten, at(MONDAY, 0), at(MONDAY, 23)))
    assert [s.strftime("%H:%M") for s in starts] == ["10:20"]  # 9:00 + 30 min + 10 min of buffer would reach 9:40
    starts = list(free_starts(at(MONDAY, 9), at(MONDAY, 11), [], thirty, dt.timedelta(0), at(MONDAY, 9, 45), at(MONDAY, 23)))
    assert [s.strftime("%H:%M") for s in starts] == ["10:00", "10:30"]


@given(
    busy_minutes=st.lists(st.tuples(st.integers(0, 600), st.integers(5, 120)), max_size=8),
    duration=st.integers(5, 90),
    buffer=st.integers(0, 30),
)
def test_no_slot_ever_overlaps_a_busy_block_or_leaves_the_window(busy_minutes, duration, buffer):
    base = at(MONDAY, 8)
    blocks, cursor = [], base
    for gap, length in sorted(busy_minutes):
        start = max(cursor, base + dt.timedelta(minutes=gap))
        blocks.append((start, start + dt.timedelta(minutes=length)))
        cursor = start + dt.timedelta(minutes=length)
    window_end = base + dt.timedelta(hours=10)
    step = dt.timedelta(minutes=duration + buffer)
    starts = list(
        free_starts(base, window_end, blocks, dt.timedelta(minutes=duration), dt.timedelta(minutes=buffer), base, window_end)
    )
    for start in starts:
        assert start + dt.timedelta(minutes=duration) <= window_end
        assert all(not (b0 < start + step and b1 > start) for b0, b1 in blocks)
    assert starts == sorted(set(starts))


def test_subtract_handles_holes_at_edges():
    span = [(at(MONDAY, 9), at(MONDAY, 12))]
    holes = [(at(MONDAY, 8), at(MONDAY, 9, 30)), (at(MONDAY, 11, 30), at(MONDAY, 13))]
    assert list(subtract(span, holes)) == [(at(MONDAY, 9, 30), at(MONDAY, 11, 30))]
