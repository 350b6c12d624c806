"""Dates and date-times as clients write them, read as Twenty reads them.

Twenty takes any value JavaScript's ``Date`` can read and PostgreSQL can store, so
besides ISO 8601 (``2025-01-31``, ``2025-01-31T09:30:00Z``) clients send what
spreadsheets and forms write: ``01/31/2025`` (month first), ``2025/01/31``,
``January 31, 2025``, ``Jan 31, 2025``, ``31 January 2025``, each optionally followed
by a time (``13:45`` or ``13:45:30``). Those are read here too, as UTC when they carry
no offset. Anything else is refused: a value read in more than one way (``01/02``
without a year, ``5``) is not guessed at.

Its own module, below both the record services (which store values so) and the query
compiler (which reads filter values so).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

DATE_FORMATS = ("%m/%d/%Y", "%Y/%m/%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y")
TIME_FORMATS = ("", " %H:%M", " %H:%M:%S")


def parse_datetime(text: str) -> datetime:
    """``text`` as an aware date-time in UTC; ValueError when it is none of the formats."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _other_format(text.strip(), TIME_FORMATS)
    return in_utc(parsed)


def twenty_spelling(moment: datetime) -> str:
    """``moment`` as Twenty writes date-times: UTC, milliseconds, a Z. Custom date-time
    values are stored so too: of one width, they sort and compare as text."""
    moment = moment.astimezone(UTC)
    # Not strftime: it drops the leading zeros of years before 1000.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def in_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; one without a time zone is taken to be in UTC already."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def parse_date(text: str) -> date:
    """``text`` as a date; ValueError when it is none of the formats."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return _other_format(text.strip(), ("",)).date()


def _other_format(text: str, time_formats: tuple[str, ...]) -> datetime:
    for date_format in DATE_FORMATS:
        for time_format in time_formats:
            try:
                return datetime.strptime(text, date_format + time_format)
            except ValueError:
                continue
    raise ValueError(f"{text[:50]!r} is not a date")
