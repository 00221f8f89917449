"""Steps every reader shares: load the file, reject empty ones, match the header, walk the
rows, check ids are unique, keep the user's extra columns."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd

from planner.errors import InputError
from planner.io.columns import ColumnMap, ColumnSpec, match_columns
from planner.io.notes import Notes
from planner.io.table import load_table

T = TypeVar("T")


@dataclass
class Sheet:
    """A loaded file with its header matched: ``rows`` are dicts of documented name -> text."""

    notes: Notes
    columns: ColumnMap | None = None
    rows: list[dict[str, str]] | None = None
    table: pd.DataFrame | None = None

    @property
    def usable(self) -> bool:
        return self.rows is not None

    def label(self, name: str) -> str:
        return self.columns.label(name) if self.columns else name


def open_sheet(
    path: Path,
    specs: tuple[ColumnSpec, ...],
    reserved: set[str],
    what: str,
    point_columns: tuple[str, str] = ("lat", "lon"),
    allow_no_rows: bool = False,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> Sheet:
    """Load ``path`` and match its header; note empty files and missing columns.

    ``what`` names a row in messages ("customer"). ``allow_no_rows``: a file with only a
    header (or nothing at all) is a valid empty table (appointments). ``columns``: the
    scenario's ``columns:`` for this file (documented name -> header); ``encoding``: the
    scenario's ``encoding:`` for CSV text that is not UTF-8.
    """
    loaded = load_table(path, point_columns, encoding)
    notes = loaded.notes
    table = loaded.frame
    if table is None:
        return Sheet(notes)
    header = [c for c in table.columns if c != "source_row"]
    if not header:
        if allow_no_rows:
            return Sheet(notes, ColumnMap({}, {}), [], table)
        notes.error(
            "empty file",
            "file is empty (no header, no rows)",
            fix=f"export the {what} table with its header row: "
            + ", ".join(s.name for s in specs if s.required),
        )
        return Sheet(notes)
    if len(table) == 0 and not allow_no_rows:
        notes.error(
            "empty file",
            f"file has a header but no {what} rows",
            fix=f"add one row per {what} below the header",
        )
    cmap = match_columns(header, specs, notes, reserved, columns)
    rows = []
    for rec in table.to_dict("records"):
        d = {name: rec[col] for name, col in cmap.known.items()}
        d["source_row"] = rec["source_row"]
        rows.append(d)
    return Sheet(notes, cmap, rows, table)


def frame_or_raise(frame: pd.DataFrame | None, notes: Notes) -> pd.DataFrame:
    """The ``read_*`` ending: the table with its warnings in ``attrs["warnings"]``, or one
    :class:`~planner.errors.InputError` with every problem when there is no table."""
    if frame is None:
        raise InputError(notes.problems_sorted())
    frame.attrs["warnings"] = notes.warnings_text()
    return frame


def check_unique_ids(ids: list[str], rows: list[int], notes: Notes, column: str, what: str) -> None:
    """Note every repeated id, naming the row where it first appears."""
    first: dict[str, int] = {}
    for cid, row in zip(ids, rows):
        if not cid:
            continue
        if cid in first:
            notes.error(
                "duplicate id",
                f"duplicate {what} id '{cid}': also on row {first[cid]}",
                row,
                column,
                fix=f"give every {what} its own id, or delete one of the two rows",
            )
        else:
            first[cid] = row


def parse_cell(
    text: str,
    parse: Callable[[str], T],
    default: T,
    notes: Notes,
    kind: str,
    row: int,
    column: str,
    fix: str | None = None,
    hint: str = "",
) -> T:
    """``parse(text)`` for an optional cell: ``default`` when it is empty; a ``ValueError``
    is noted as a ``kind`` problem (the parser's message, then ``hint``) and gives
    ``default``."""
    if not text:
        return default
    try:
        return parse(text)
    except ValueError as err:
        notes.error(kind, f"{err}{hint}", row, column, fix=fix)
        return default


def nearest(word: str, options, n: int = 1, cutoff: float = 0.5) -> list[str]:
    """The closest of ``options`` to ``word``, for "did you mean" hints (rapidfuzz)."""
    return NearestIds(options)(word, n, cutoff)


class NearestIds:
    """ "Did you mean" hints among many ids, indexed once.

    rapidfuzz's ratio (normalised Indel similarity) after its default processing (lower
    case, punctuation trimmed): a typo in the first character (``X000012``, ``c000012``
    for ``C000012``) is found like any other. ``benchmarks/bench_io.py`` times a hint
    among 50,000 customer ids.
    """

    def __init__(self, options) -> None:
        from rapidfuzz import utils

        self._options = sorted(map(str, options))
        self._keys = [utils.default_process(o) for o in self._options]  # processed once

    def __call__(self, word: str, n: int = 1, cutoff: float = 0.5) -> list[str]:
        from rapidfuzz import fuzz, process, utils

        hits = process.extract(
            utils.default_process(str(word)),
            self._keys,
            scorer=fuzz.ratio,
            limit=n,
            score_cutoff=cutoff * 100,
        )
        return [self._options[h[2]] for h in hits]


def listing(options, limit: int = 12) -> str:
    """``'A, B, C'``; long lists cut with ``... (N in all)``."""
    opts = heapq.nsmallest(limit, (str(o) for o in options))
    n = len(options)
    return ", ".join(opts) + (f", ... ({n} in all)" if n > limit else "")


def with_extras(
    frame: pd.DataFrame, sheet: Sheet, keep_rows: list[int] | None = None
) -> pd.DataFrame:
    """Append the user's extra columns (text, unchanged) after the documented ones."""
    if sheet.table is None or sheet.columns is None or not sheet.columns.extra:
        return frame
    src = sheet.table
    if keep_rows is not None:
        src = src.iloc[keep_rows]
    extras = pd.DataFrame(
        {out: src[col].to_numpy(dtype=object) for col, out in sheet.columns.extra.items()},
        index=frame.index,
    )
    return pd.concat([frame, extras], axis=1)
