"""Input readers: CRM exports (CSV, Excel, GeoJSON, GeoPackage) -> validated tables.

Entry point: :func:`read_inputs` (:class:`ReadParams` in, :class:`InputsResult` out) reads
the customers, reps and appointments files of a scenario and raises ONE
:class:`~planner.errors.InputError` listing every problem of every file, each naming the
file, the row as a spreadsheet numbers it (header = 1), the column, what was expected and
the fix. The tables it returns have exactly the columns of
:data:`planner.domain.CUSTOMER_COLUMNS`, :data:`~planner.domain.REP_COLUMNS` and
:data:`~planner.domain.APPOINTMENT_COLUMNS` (then the file's extra columns, as text), so
no stage ever sees user spellings. Input columns and rules: docs/data-contract.md.

Appointment checks that need both files are warnings, not problems (the planner can still
plan): an appointment for an inactive customer is dropped; one outside the customer's
opening hours is kept (the time was agreed with the customer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.domain import DEFAULT_TIERS, TierTable, Workday
from planner.errors import InputError, Problem
from planner.io.appointments import empty_appointments, load_appointments, read_appointments
from planner.io.coords import check_cluster
from planner.io.customers import load_customers, read_customers
from planner.io.notes import Notes
from planner.io.reps import RepsRead, load_reps, read_reps
from planner.io.table import read_table
from planner.units import WEEKDAYS, format_clock

__all__ = [
    "InputsResult",
    "ReadParams",
    "read_appointments",
    "read_customers",
    "read_inputs",
    "read_reps",
    "read_table",
]


@dataclass(frozen=True)
class ReadParams:
    """Which files to read and the scenario settings they are checked against.

    Parameters
    ----------
    customers_path, reps_path : Path
        The customers and reps files (CSV, XLSX; customers also GeoJSON / GeoPackage).
    appointments_path : Path or None
        Fixed-time visits (CSV, XLSX); ``None`` = no appointments.
    tiers : TierTable
        Valid tiers and their default service times.
    workday : Workday
        Default ``work_start``/``work_end`` of reps; a service longer than the workday is
        a problem.
    columns : mapping
        The scenario's ``columns:``: per file kind (``customers``, ``reps``,
        ``appointments``), documented name -> the header that gives it.
    encoding : str or None
        The scenario's ``encoding:`` for CSV text that is not UTF-8 (e.g. ``gb18030``).
    tiers_note : str
        Why the tiers are what they are when an ``extends:`` chain replaced them (said
        with customers whose tier is missing).
    """

    customers_path: Path
    reps_path: Path
    appointments_path: Path | None = None
    tiers: TierTable = DEFAULT_TIERS
    workday: Workday = field(default_factory=Workday)
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    encoding: str | None = None
    tiers_note: str = ""


@dataclass
class InputsResult:
    """Validated input tables.

    Attributes
    ----------
    customers : pandas.DataFrame
        All customers including inactive ones (``active`` False; never planned).
    reps : pandas.DataFrame
    appointments : pandas.DataFrame
        Empty (with its columns) when there is no appointments file.
    warnings : list of str
        Non-fatal notes, one line each (``file, row N, column 'x': message``).
    """

    customers: pd.DataFrame
    reps: pd.DataFrame
    appointments: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def read_inputs(params: ReadParams) -> InputsResult:
    """Read and validate the customers, reps and appointments files.

    Reps are read first so customers pinned to an unknown rep are caught, then customers,
    then appointments (unknown customer ids). Rep homes are also checked against the
    customers' cluster for swapped lat/lon.

    Parameters
    ----------
    params : ReadParams

    Returns
    -------
    InputsResult

    Raises
    ------
    InputError
        Every problem of every file at once (customers first, then reps, then
        appointments); never a partial result.
    """
    cols, enc = params.columns, params.encoding
    reps = load_reps(Path(params.reps_path), params.workday, cols.get("reps"), enc)
    customers = load_customers(
        Path(params.customers_path),
        params.tiers,
        params.workday,
        reps.ids,
        cols.get("customers"),
        enc,
        params.tiers_note,
    )
    if customers.points:
        _check_rep_points(reps, customers.points)
    appts_notes = None
    appointments = empty_appointments()
    if params.appointments_path is not None:
        appts = load_appointments(
            Path(params.appointments_path), customers.ids, cols.get("appointments"), enc
        )
        appts_notes = appts.notes
        if appts.frame is not None:
            appointments = appts.frame
    problems: list[Problem] = []
    for notes in (customers.notes, reps.notes, appts_notes):
        if notes is not None:
            problems += notes.problems_sorted()
    if problems:
        raise InputError(problems)
    assert customers.frame is not None and reps.frame is not None
    cross = Notes(str(params.appointments_path))
    appointments = _check_appointments(appointments, customers.frame, cross)
    warnings: list[str] = []
    for notes in (customers.notes, reps.notes, appts_notes, cross):
        if notes is not None:
            warnings += notes.warnings_text()
    if not customers.frame["active"].any():
        warnings.append(f"{params.customers_path}: no active customers: there is nothing to plan")
    customers.frame.attrs["warnings"] = []
    reps.frame.attrs["warnings"] = []
    return InputsResult(customers.frame, reps.frame, appointments, warnings)


def _check_rep_points(reps: RepsRead, customer_points: list[tuple[float, float]]) -> None:
    """Rep homes / starts that look swapped relative to where the customers are."""
    for which in ("home", "start"):
        pts = [
            (row, la, lo)
            for row, la, lo, w in reps.points
            if w == which and row not in reps.swapped
        ]
        lat, lon = (reps.labels.get(f"{which}_{c}", f"{which}_{c}") for c in ("lat", "lon"))
        check_cluster(
            pts,
            reps.notes,
            lat,
            lon,
            reference=customer_points,
            what=f"{which} ",
            others="the customers",
        )


def _check_appointments(appts: pd.DataFrame, customers: pd.DataFrame, notes: Notes) -> pd.DataFrame:
    """Warn about appointments for inactive customers (dropped) or outside opening hours."""
    if appts.empty:
        return appts
    by_id = customers.set_index("customer_id")
    keep = []
    for i, a in enumerate(appts.itertuples(index=False)):
        c = by_id.loc[a.customer_id]
        if not c["active"]:
            notes.warn(
                "inactive customer",
                f"appointment for inactive customer '{a.customer_id}' is dropped",
                a.source_row,
                "customer_id",
                fix="set the customer active, or delete the appointment",
            )
            continue
        keep.append(i)
        end_s = a.start_s + int(c["service_s"])
        day = a.date.weekday()
        if not any(o <= a.start_s and end_s <= e for o, e in c["hours"][day]):
            notes.warn(
                "outside opening hours",
                f"appointment on {a.date} ({WEEKDAYS[day]}) "
                f"{format_clock(a.start_s)}-{format_clock(end_s)} is outside the opening "
                f"hours of '{a.customer_id}'; it is kept at that time",
                a.source_row,
                "time",
            )
    out = appts.iloc[keep].reset_index(drop=True)
    out.attrs = {}
    return out
