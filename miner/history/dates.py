"""Dates as git prints them (``%aI``), read even when they are out of Python's range.

Part of the history stage's pure parser. A commit object can carry any date: a time zone of
±24 hours or more, a year past 9999, a negative time or no time zone at all (all seen in
imported or hand-made histories). Python's ``datetime`` holds none of these, so such a date is
read as the nearest value it can hold, and the record says what was changed (one anomaly line
per date; the analysis counts them and lists them as warnings). Nothing crashes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
# %aI: YYYY-MM-DDTHH:MM:SS+HH:MM, where git lets the year and the offset's hours grow
_ISO = re.compile(
    r"(?P<year>\d{4,})-(?P<month>\d\d)-(?P<day>\d\d)T(?P<clock>\d\d:\d\d:\d\d)"
    r"(?P<sign>[+-])(?P<hours>\d\d):(?P<minutes>\d\d)"
)


def parse_git_date(raw: bytes, which: str) -> tuple[datetime, str | None]:
    """The date git printed for ``%aI``/``%cI`` and, when it had to be changed to be held, why
    (``which`` names the date: "author date", "committer date")."""
    text = raw.decode("ascii", "replace")
    try:
        return datetime.fromisoformat(text), None
    except ValueError:
        pass
    match = _ISO.fullmatch(text)
    if match is None:
        # git prints the placeholder itself (or nothing) when the date has no time zone or a
        # negative time: nothing of it can be recovered from the log
        return EPOCH, f"{which} unreadable ({text!r}): read as 1970-01-01T00:00:00+00:00"
    year = int(match["year"])
    if year > 9999:
        return _LATEST, f"{which} in year {year}: clamped to 9999-12-31T23:59:59+00:00"
    if year < 1:
        return _EARLIEST, f"{which} in year {year}: clamped to 0001-01-01T00:00:00+00:00"
    local = datetime.fromisoformat(f"{year:04d}-{match['month']}-{match['day']}T{match['clock']}")
    offset = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"]))
    if match["sign"] == "-":
        offset = -offset
    zone = f"{match['sign']}{match['hours']}:{match['minutes']}"
    try:
        instant = (local - offset).replace(tzinfo=UTC)
    except OverflowError:
        instant = _LATEST if offset < timedelta(0) else _EARLIEST
    return instant, f"{which} time zone {zone} is out of range (±24 h): read in UTC"
