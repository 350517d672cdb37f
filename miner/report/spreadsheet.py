"""CSV cells that a spreadsheet would run as a formula are neutralised (OWASP "CSV injection").

A cell of text from the repository (a subject, an author, a path) that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is written with a leading apostrophe: ``=HYPERLINK(…)``
becomes ``'=HYPERLINK(…)``, shown as text by Excel, LibreOffice and Google Sheets. Numbers are
numbers (a negative rate stays ``-0.5``); only text cells are changed. Every CSV the tool writes
goes through here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # pandas is imported only where a frame is written (the commits view has none)
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
T = TypeVar("T")


def neutralise(value: T) -> T | str:
    """``value`` itself, or ``'value`` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell, column name and row label neutralised."""
    import pandas as pd

    safe = frame.rename(index=neutralise, columns=neutralise)
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column].dtype):
            safe[column] = safe[column].map(neutralise)
    return safe
