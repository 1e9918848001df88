"""Date ranges that list endpoints filter by."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import msgspec

from domain.errors import InvalidInput


class Period(msgspec.Struct, frozen=True):
    """From `start` (inclusive) to `end` (exclusive); None is open-ended."""

    start: datetime | None = None
    end: datetime | None = None


def period_of(date_from: date | None, date_to: date | None) -> Period:
    """Whole UTC days from `date_from` through `date_to`, both included.

    Raises `InvalidInput` when the range ends before it starts.
    """
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InvalidInput("date_to must not be before date_from")

    start = None if date_from is None else datetime.combine(date_from, time(), UTC)
    end = None
    if date_to is not None and date_to < date.max:
        end = datetime.combine(date_to + timedelta(days=1), time(), UTC)

    return Period(start, end)
