"""The shared calendar: the project's time zone and French public holidays (appointments skip them,
legal deadlines of requests move past them)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")


@cache
def french_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.France(years=year).keys())


def is_holiday(day: dt.date) -> bool:
    return day in french_holidays(day.year)
