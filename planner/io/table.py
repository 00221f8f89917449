"""Read a CSV, Excel or GIS file into a table of strings, one row per record.

Every cell becomes trimmed text (``''`` when empty) so all formats look alike to the
validators; ``source_row`` is the row number a spreadsheet shows (header = 1). Structural
defects (wrong number of values in a CSV row, non-UTF-8 bytes, a missing file) are noted
in a :class:`~planner.io.notes.Notes`, never raised half-way.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.errors import InputError
from planner.io.columns import LAT_ALIASES, LON_ALIASES, normalise_name
from planner.io.notes import Notes
from planner.units import format_clock

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")
SUPPORTED = "CSV (.csv), Excel (.xlsx), GeoJSON (.geojson) or GeoPackage (.gpkg)"
SAVE_AS_UTF8 = (
    "save it as UTF-8: in Excel use File > Save As > 'CSV UTF-8 (Comma delimited)'; "
    "in LibreOffice tick 'Edit filter settings' and choose 'Unicode (UTF-8)'"
)
_SEPARATORS = (",", ";", "\t", "|")
_SEP_HINT = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)
MAX_CELL_CHARS = 16 * 1024 * 1024
"""A CSV cell may hold up to this many characters (the csv module's default is 128 KiB,
which a long notes cell exceeds)."""
csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))


@dataclass
class Loaded:
    """A file read into strings: ``frame`` is ``None`` when nothing usable could be read."""

    frame: pd.DataFrame | None
    notes: Notes


def read_table(path: str | Path, point_columns: tuple[str, str] = ("lat", "lon")) -> pd.DataFrame:
    """Read CSV / XLSX / GeoJSON / GeoPackage into a DataFrame of strings plus ``source_row``.

    Parameters
    ----------
    path : str or Path
        The file. The format follows the suffix: ``.csv``/``.txt``/``.tsv``, ``.xlsx``,
        ``.geojson``/``.json``, ``.gpkg`` (also ``.shp``, ``.fgb``).
    point_columns : tuple of str, default ("lat", "lon")
        For GIS files without such columns: the names of the columns filled from each
        feature's point geometry (WGS84 degrees; polygons give their representative point).

    Returns
    -------
    pandas.DataFrame
        Header cells trimmed (spelling kept), every value a trimmed ``str``, blank rows
        dropped, plus ``source_row`` (int): the row as a spreadsheet numbers it, header = 1.
        For GIS files feature *k* (1-based) is row *k* + 1. An empty (0-byte) file gives a
        frame without columns.

    Raises
    ------
    InputError
        The file does not exist, is not UTF-8 (the message names the encoding it looks
        like), is not a readable workbook/GIS file, or has rows with more values than the
        header.

    Notes
    -----
    CSV: UTF-8 with or without BOM (also UTF-16 with BOM, as Excel's "Unicode Text"), the
    separator sniffed among ``,`` ``;`` tab ``|`` (Excel's ``sep=;`` first line honoured),
    quoted values may hold separators and line breaks. Excel: the first worksheet, cached
    values of formulas, dates as ``YYYY-MM-DD``, times as ``HH:MM``.
    """
    loaded = load_table(Path(path), point_columns)
    problems = loaded.notes.problems_sorted()
    if problems:
        raise InputError(problems)
    assert loaded.frame is not None
    return loaded.frame


def load_table(
    path: Path, point_columns: tuple[str, str] = ("lat", "lon"), encoding: str | None = None
) -> Loaded:
    """Like :func:`read_table`, but problems are returned in ``Loaded.notes``.

    ``encoding`` (the scenario's ``encoding:``) reads CSV text that is not UTF-8, e.g.
    ``gbk``; a byte-order mark still wins.
    """
    notes = Notes(str(path))
    if not path.exists():
        notes.error(
            "missing file",
            "file does not exist",
            fix="check the path (paths in a scenario are relative to the scenario file)",
        )
        return Loaded(None, notes)
    if path.is_dir():
        notes.error("missing file", "is a folder, not a file", fix=f"name a {SUPPORTED} file")
        return Loaded(None, notes)
    if not path.is_file():  # a pipe blocks, /dev/zero never ends
        notes.error(
            "missing file",
            "is not a regular file (a pipe, socket or device)",
            fix=f"name a {SUPPORTED} file",
        )
        return Loaded(None, notes)
    try:
        with path.open("rb"):
            pass
    except OSError as err:
        notes.error(
            "missing file",
            f"cannot be read ({err.strerror})",
            fix="check the file's permissions, and close it in other programs",
        )
        return Loaded(None, notes)
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _load_excel(path, notes)
    if suffix in GEO_SUFFIXES:
        return _load_geo(path, notes, point_columns)
    if suffix == ".xls":
        notes.error(
            "format",
            "old Excel .xls workbooks are not read",
            fix="save it as .xlsx or as 'CSV UTF-8 (Comma delimited)'",
        )
        return Loaded(None, notes)
    if suffix not in CSV_SUFFIXES and suffix:
        notes.error("format", f"unknown file type '{suffix}'", fix=f"give a {SUPPORTED} file")
        return Loaded(None, notes)
    return _load_csv(path, notes, encoding)


def _no_columns(notes: Notes) -> Loaded:
    """An empty (or blank-only) file: a table without columns or rows."""
    return Loaded(pd.DataFrame({"source_row": pd.Series(dtype="int64")}), notes)


def _frame(
    header: list[str], rows: list[list[str]], row_numbers: list[int], notes: Notes
) -> pd.DataFrame:
    """Build the string table; drop unnamed empty columns, name non-empty ones."""
    keep: list[int] = []
    names: list[str] = []
    seen: dict[str, int] = {}
    for j, h in enumerate(header):
        h = h.strip().lstrip("\ufeff").strip()
        if not h:
            if not any(j < len(r) and r[j] for r in rows):
                continue
            h = f"column_{_excel_letter(j)}"
            notes.warn(
                "unnamed column",
                f"column {_excel_letter(j)} has values but no header; kept as '{h}'",
                column=h,
            )
        key = normalise_name(h) or h
        if key in seen:
            first = header[seen[key]].strip().lstrip("\ufeff").strip()
            same = f"'{h}'" if first == h else f"'{first}' and '{h}' (the same name)"
            notes.error(
                "duplicate header",
                f"column {same} appears twice (columns "
                f"{_excel_letter(seen[key])} and {_excel_letter(j)})",
                row=1,
                column=h,
                fix="rename or delete one of them",
            )
            continue
        seen[key] = j
        keep.append(j)
        names.append(h)
    data = {n: [r[j] if j < len(r) else "" for r in rows] for n, j in zip(names, keep)}
    frame = pd.DataFrame(data, columns=names, dtype=object)
    frame["source_row"] = pd.Series(row_numbers, dtype="int64")
    return frame


def _excel_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


# --- CSV -------------------------------------------------------------------------------


def _decode(raw: bytes, notes: Notes, encoding: str | None = None) -> str | None:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
        encoding = None
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            notes.error("encoding", "file starts as UTF-16 text but is not", fix=SAVE_AS_UTF8)
            return None
    if raw.startswith(b"PK\x03\x04"):
        notes.error(
            "format",
            "this is an Excel workbook (or another zip file), not CSV text",
            fix="give it the .xlsx suffix, or save it as 'CSV UTF-8 (Comma delimited)'",
        )
        return None
    nul = raw.find(b"\x00")
    if nul >= 0:
        notes.error(
            "encoding",
            "file contains NUL bytes: it is UTF-16 text without a "
            "byte-order mark, or not a text file",
            row=raw[:nul].count(b"\n") + 1,
            fix=SAVE_AS_UTF8,
        )
        return None
    try:
        return raw.decode(encoding or "utf-8")
    except UnicodeDecodeError as err:
        if encoding and encoding.replace("-", "").lower() not in ("utf8", "utf_8"):
            line = raw[: err.start].count(b"\n") + 1
            notes.error(
                "encoding",
                f"file is not {encoding} text: byte 0x{raw[err.start]:02X} cannot be read "
                f"as {encoding}",
                row=line,
                fix="set the scenario's encoding: to the file's encoding, or " + SAVE_AS_UTF8,
            )
            return None
        _note_encoding(raw, err, notes)
        return None


def guess_encoding(raw: bytes) -> tuple[str, str]:
    """The codec a non-UTF-8 file most likely uses and how to name it.

    Multi-byte East Asian encodings (GBK/GB18030, Big5, Shift-JIS, EUC-KR: Excel's "CSV"
    in China, Taiwan, Japan, Korea) are recognised by charset-normalizer. Single-byte code
    pages cannot be told apart from a few accented names (the detector calls 'Café Müller'
    Windows-1250 and 'Café' plus one odd byte Arabic), so those are named as before:
    Windows-1252 when it reads the bytes (what Excel on Windows writes in Western
    Europe), else ISO-8859-1.
    """
    from charset_normalizer import from_bytes

    found = [m.encoding for m in from_bytes(raw[:200_000])]
    best = found[0] if found else ""
    if best.startswith(("gb", "hz")):
        return "gb18030", "GBK / GB18030 (Chinese, what Excel writes in China)"
    if best.startswith("big5") or best == "cp950":
        return "big5", "Big5 (Traditional Chinese)"
    if best in ("shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213"):
        return "cp932", "Shift-JIS (Japanese)"
    if best.startswith("euc_j"):
        return best, "EUC-JP (Japanese)"
    if best in ("cp949", "euc_kr", "johab"):
        return "cp949", "EUC-KR (Korean)"
    try:
        raw.decode("cp1252")
        return "cp1252", "Windows-1252 (Western European, what Excel on Windows writes as 'CSV')"
    except UnicodeDecodeError:
        return "latin-1", "ISO-8859-1 (Latin-1)"


def _note_encoding(raw: bytes, err: UnicodeDecodeError, notes: Notes) -> None:
    """Say which encoding a non-UTF-8 file looks like, where the first bad byte is."""
    codec, enc = guess_encoding(raw)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    byte = raw[err.start]
    row: int | None = raw[: err.start].count(b"\n") + 1
    column = None
    # name the first cell holding a non-ASCII character, with the row a spreadsheet shows
    sep = _sniff(text.splitlines()[:20])
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    header = rows[0] if rows else []
    for i, r in enumerate(rows):
        hit = next((j for j, cell in enumerate(r) if any(ord(c) > 127 for c in cell)), None)
        if hit is not None:
            row = i + 1
            column = header[hit].strip() if hit < len(header) and i > 0 else None
            sample = r[hit].strip()
            break
    else:
        sample = ""
    notes.error(
        "encoding",
        f"file is not UTF-8 text: byte 0x{byte:02X} is not valid UTF-8; it "
        f"looks like {enc}" + (f", where it reads '{sample[:40]}'" if sample else ""),
        row=row,
        column=column,
        fix=SAVE_AS_UTF8 + f"; or add 'encoding: {codec}' to the scenario to read it as is",
    )


def _sniff(lines: list[str]) -> str:
    """The separator giving the most header columns, consistent over the next rows."""
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        return ","
    best, best_key = ",", (-1.0, -1)
    for sep in _SEPARATORS:
        rows = list(csv.reader(lines, delimiter=sep))
        n = len(rows[0])
        if n < 2:
            continue
        body = rows[1:]
        same = sum(1 for r in body if len(r) == n) / len(body) if body else 1.0
        key = (same, n)
        if key > best_key:
            best, best_key = sep, key
    return best


def _load_csv(path: Path, notes: Notes, encoding: str | None = None) -> Loaded:
    text = _decode(path.read_bytes(), notes, encoding)
    if text is None:
        return Loaded(None, notes)
    if not text.strip():
        return _no_columns(notes)
    lines = text.splitlines()
    first = 0
    m = _SEP_HINT.match(lines[0]) if lines else None
    if m and (m.group(1).isalnum() or m.group(1) in "\"' "):
        notes.error(
            "format",
            f"the first line '{lines[0].strip()}' names the separator '{m.group(1)}', "
            "which cannot separate values",
            row=1,
            fix="delete the first line, or write sep=, or sep=; as Excel does",
        )
        return Loaded(None, notes)
    if m:  # Excel's "sep=;" line: not shown as a row by Excel
        sep = m.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        sep = _sniff(lines[:30])
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    while first < len(records) and not any(c.strip() for c in records[first]):
        first += 1
    if first >= len(records):
        return _no_columns(notes)
    header = [c.strip() for c in records[first]]
    width = len(header)
    rows: list[list[str]] = []
    numbers: list[int] = []
    sep_name = {"\t": "tab"}.get(sep, f"'{sep}'")
    for i in range(first + 1, len(records)):
        cells = [c.strip() for c in records[i]]
        if not any(cells):
            continue
        if len(cells) > width:
            if any(cells[width:]):
                notes.error(
                    "field count",
                    f"row has {len(cells)} values but the header has {width} columns",
                    row=i + 1,
                    fix=f"a value probably contains the separator {sep_name}: put "
                    "that value in double quotes, or remove the extra separator",
                )
                continue
            cells = cells[:width]
        rows.append(cells)
        numbers.append(i + 1)
    return Loaded(_frame(header, rows, numbers, notes), notes)


# --- Excel -----------------------------------------------------------------------------


def _cell_text(v) -> str:
    """Excel / GIS cell value -> the text a CSV export would hold."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, pd.Timestamp):
        if pd.isna(v):
            return ""
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        if (v.hour, v.minute, v.second) == (0, 0, 0):
            return v.date().isoformat()
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S" if v.second else "%H:%M")
    if isinstance(v, dt.timedelta):
        return format_clock(v.total_seconds())
    try:
        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    if hasattr(v, "item"):  # numpy scalar
        return _cell_text(v.item())
    return str(v).strip()


def _load_excel(path: Path, notes: Notes) -> Loaded:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as err:
        notes.error(
            "format",
            f"not a readable Excel .xlsx workbook ({err})",
            fix="open it in Excel and save it again as .xlsx, or as CSV UTF-8",
        )
        return Loaded(None, notes)
    try:
        ws = wb.worksheets[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = [
                tuple(_cell_text(v) for v in r) for r in ws.iter_rows(min_row=1, values_only=True)
            ]
        sheets = len(wb.worksheets)
        title = ws.title
    finally:
        wb.close()
    if sheets > 1:
        notes.warn(
            "sheets", f"the workbook has {sheets} sheets; only the first, '{title}', is read"
        )
    first = next((i for i, r in enumerate(values) if any(r)), None)
    if first is None:
        return _no_columns(notes)
    header = list(values[first])
    rows, numbers = [], []
    for i in range(first + 1, len(values)):
        if any(values[i]):
            rows.append(list(values[i]))
            numbers.append(i + 1)
    return Loaded(_frame(header, rows, numbers, notes), notes)


# --- GeoJSON / GeoPackage --------------------------------------------------------------


def _load_geo(path: Path, notes: Notes, point_columns: tuple[str, str]) -> Loaded:
    import geopandas as gpd
    import pyogrio.errors

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = gpd.read_file(path)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        pyogrio.errors.CRSError,
        RuntimeError,
        ValueError,
        OSError,
    ) as err:
        notes.error(
            "format",
            f"not a readable GIS file ({type(err).__name__}: {err})",
            fix="export it again as GeoJSON or GeoPackage",
        )
        return Loaded(None, notes)
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    header = [str(c) for c in cols]
    rows = [[_cell_text(v) for v in rec] for rec in gdf[cols].itertuples(index=False)]
    present = {normalise_name(h) for h in header}
    lat_name, lon_name = point_columns
    coordinate_names = {lat_name, lon_name, "lat", "lon", *LAT_ALIASES, *LON_ALIASES}
    if not present & coordinate_names:
        header += [lat_name, lon_name]
        for r, geom in zip(rows, gdf.geometry):
            if geom is None or geom.is_empty:
                r += ["", ""]
            else:
                p = geom if geom.geom_type == "Point" else geom.representative_point()
                r += [repr(float(p.y)), repr(float(p.x))]
    return Loaded(_frame(header, rows, list(range(2, len(rows) + 2)), notes), notes)
