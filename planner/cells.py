"""Spreadsheet-safe text cells: the OWASP rule against CSV/formula injection.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (also tab or
carriage return) as a formula, so a customer named ``=HYPERLINK("http://x", "Open")``
in a user's file would become a live link in every CSV the planner hands back. Every
CSV and XLSX the planner writes passes its text cells through :func:`neutralise`
(OWASP, "CSV Injection": prepend a single quote), and the plan readers undo it with
:func:`restore`, so a plan directory still round-trips exactly.

Two refinements keep ordinary data readable:

- numbers are never touched (only text cells are; ``-12.5`` in a numeric column stays a
  number), and a text cell that is a plain number such as a phone ``+358401728510`` or
  ``-3`` is left as it is (it cannot compute anything);
- the quote is added to any text that starts with quotes followed by a trigger
  (``'=x`` becomes ``''=x``), so :func:`restore` (drop one leading quote when quotes
  are followed by a trigger) gives back the exact original text.
"""

from __future__ import annotations

import io
import re

import pandas as pd

TRIGGERS = "=+-@\t\r"
_NEEDS_QUOTE = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def neutralise(value: object) -> object:
    """``value`` safe for a spreadsheet cell: text that a spreadsheet would run as a
    formula gets a leading ``'``; numbers, ``None`` and other text pass unchanged.

    >>> neutralise("=1+2"), neutralise("-3"), neutralise("Cafe"), neutralise(-3.5)
    ("'=1+2", '-3', 'Cafe', -3.5)
    """
    if not isinstance(value, str) or not _NEEDS_QUOTE.match(value):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def restore(value: object) -> object:
    """Undo :func:`neutralise` (for reading back a CSV the planner wrote)."""
    if isinstance(value, str) and _QUOTED.match(value) and not _PLAIN_NUMBER.match(value):
        return value[1:]
    return value


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet would run ``value`` as a formula (after :func:`neutralise`
    it never does)."""
    return isinstance(value, str) and neutralise(value) != value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells went through :func:`neutralise`."""
    return _map_text(frame, neutralise)


def _map_text(frame: pd.DataFrame, fn) -> pd.DataFrame:
    """``fn`` applied to the cells of text columns; other cells (numbers in a mixed
    column too) keep their exact values and the column its dtype."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        values = [fn(x) for x in s]
        if any(a is not b for a, b in zip(values, s, strict=True)):
            out[col] = pd.Series(values, index=s.index, dtype=s.dtype)
    return out


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_frame` on a table read with ``dtype=str``."""
    return _map_text(frame, restore)


def csv_text(frame: pd.DataFrame) -> str:
    """CSV text of ``frame`` (no index, ``\\n`` line ends) with text cells neutralised."""
    buf = io.StringIO()
    neutralise_frame(frame).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


CSV_ENCODINGS = ("utf-8", "utf-8-sig")


def csv_bytes(frame: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    """:func:`csv_text` encoded as ``utf-8`` or ``utf-8-sig`` (with the byte-order mark
    Excel needs to open a UTF-8 CSV without garbling Chinese or accented text)."""
    if encoding not in CSV_ENCODINGS:
        raise ValueError(
            f"csv_encoding must be one of {', '.join(CSV_ENCODINGS)}, got {encoding!r}"
        )
    return csv_text(frame).encode(encoding)
