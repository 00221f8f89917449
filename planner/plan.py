"""The :class:`Plan`: every table a planning run produces, and its files on disk.

A plan directory (``planner plan SCENARIO --out DIR``) holds:

================== ==========================================================
``visits.csv``      one row per scheduled visit, in visiting order per rep-day
``routes.csv``      one row per rep-day
``unscheduled.csv`` every due visit that could not be placed, with a reason
``assignments.csv`` customer -> territory -> rep
``territories.geojson`` one polygon per territory with its workload figures
``routes.geojson``  one line per rep-day (road-following when the plan used roads)
``customers.csv``   the validated customers the plan used (for maps and checks)
``reps.csv``        the validated reps the plan used
``frequency.csv``   required vs planned visits per customer and period
``kpis.json``       headline figures
``plan.json``       scenario, parameters, travel source, versions, runtimes, warnings
``changes_vs_previous.csv`` a rolled plan's changes versus the previous plan
``history.csv``     a rolled plan's visit history (customer, date) before the horizon
``maps/``           Folium HTML maps (index.html, <rep_id>/index.html, <rep_id>/<date>.html)
``visit_plan.xlsx`` visit plan table per rep, summary, daily report form (planner.export)
``daily-reports/``  printable daily visit reports, one rep-day per page (planner.export)
``calendar/``       one .ics per rep, one event per visit (planner.export)
================== ==========================================================

The tables are written by :meth:`Plan.to_dir`; the maps and exports by the callables
it is handed (``extras``, see :func:`planner.pipeline.write_plan`). Columns are
documented in docs/data-contract.md. Internally times are seconds
(``*_s``) and distances metres (``*_m``); the CSV files use HH:MM, minutes and km as
planners read them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.cells import csv_bytes
from planner.files import replace_dir, write_bytes, write_text
from planner.units import format_clock, format_end_clock, parse_clock
from planner.visit_details import visit_details

VISIT_COLUMNS = [
    "rep_id",
    "territory_id",
    "date",
    "seq",
    "customer_id",
    "customer_name",
    "tier",
    "arrival_s",
    "start_s",
    "departure_s",
    "travel_s",
    "dist_m",
    "due_date",
]
ROUTE_COLUMNS = [
    "rep_id",
    "territory_id",
    "date",
    "start_s",
    "end_s",
    "visits",
    "travel_s",
    "service_s",
    "wait_s",
    "dist_m",
    "break_start_s",
    "break_end_s",
]
UNSCHEDULED_COLUMNS = [
    "customer_id",
    "customer_name",
    "tier",
    "rep_id",
    "territory_id",
    "due_date",
    "reason",
]
ASSIGNMENT_COLUMNS = ["customer_id", "territory_id", "rep_id"]


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class Plan:
    """Everything a planning run produced.

    Parameters
    ----------
    visits, routes, unscheduled, assignments : pandas.DataFrame
        Internal units (``*_s`` seconds, ``*_m`` metres, dates as ``datetime.date``);
        columns as in :data:`VISIT_COLUMNS` etc.
    territories : geopandas.GeoDataFrame or None
        One row per territory (``territory_id``, ``rep_id``, figures, ``geometry``).
    route_lines : dict
        ``(rep_id, date) -> [(lat, lon), ...]`` the day's path, road-following when the
        plan used a road network.
    customers, reps : pandas.DataFrame
        The validated inputs the plan used (see :mod:`planner.domain`).
    kpis : dict
        Headline figures (see docs/data-contract.md).
    meta : dict
        Scenario name, parameters, travel source, versions, runtimes, warnings.
    """

    visits: pd.DataFrame
    routes: pd.DataFrame
    unscheduled: pd.DataFrame
    assignments: pd.DataFrame
    customers: pd.DataFrame
    reps: pd.DataFrame
    territories: object = None
    route_lines: dict = field(default_factory=dict)
    kpis: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    appointments: pd.DataFrame | None = None
    changes: pd.DataFrame | None = None
    """A rolled plan's changes versus the previous plan (:mod:`planner.rolling`)."""
    frequency: pd.DataFrame | None = None
    history: dict | None = None
    """A rolled plan's visit history ``customer_id -> (date, ...)`` (``history.csv``):
    the visits it counted as made before the horizon (:mod:`planner.rolling`)."""

    # ------------------------------------------------------------------ writing
    def to_dir(
        self,
        out: str | Path,
        csv_encoding: str = "utf-8",
        extras: Sequence[Callable[[Plan, Path], object]] = (),
        protect: Iterable[str | Path] = (),
    ) -> Path:
        """Write the plan folder ``out``, replacing it as a whole.

        Everything (the tables, then each of ``extras``) is written into a sibling
        temporary folder that then takes the place of ``out``
        (:func:`planner.files.replace_dir`): an interrupted run leaves the earlier plan
        intact, and nothing of an earlier plan (a map page of a rep who left) survives.

        Parameters
        ----------
        out : str or Path
            The plan directory: new, empty or an earlier plan folder.
        csv_encoding : {"utf-8", "utf-8-sig"}
            ``utf-8-sig`` starts every CSV with a byte-order mark so that Excel opens
            Chinese or accented text ungarbled. Text cells a spreadsheet would run as a
            formula are neutralised either way (:mod:`planner.cells`).
        extras : sequence of callables
            Further outputs of the plan folder (workbook, calendars, maps ...), each
            called as ``extra(plan, folder)`` after the tables; ``folder`` is the
            temporary folder that becomes ``out``.
        protect : paths
            The run's inputs: ``out`` must not hold any of them.

        Raises
        ------
        InputError
            ``out`` cannot be written, is a folder the planner did not write, or holds an
            input (exit 2; nothing is written).
        """
        with replace_dir(out, protect=protect) as tmp:
            self.write_files(tmp, csv_encoding)
            for extra in extras:
                extra(self, tmp)
        return Path(out)

    def write_files(self, out: Path, csv_encoding: str = "utf-8") -> None:
        """Write every table of the plan into the folder ``out`` (which exists).

        Not atomic by itself: :meth:`to_dir` calls it on its temporary folder. New
        tables of a plan folder are added here, so the whole-folder write covers them.
        """
        enc = csv_encoding
        visits = visits_to_csv(self.visits, self.customers, self.appointments)
        _write_csv(out / "visits.csv", visits, enc)
        _write_csv(out / "routes.csv", routes_to_csv(self.routes), enc)
        _write_csv(out / "unscheduled.csv", unscheduled_to_csv(self.unscheduled), enc)
        _write_csv(out / "assignments.csv", self.assignments[ASSIGNMENT_COLUMNS], enc)
        _write_csv(out / "customers.csv", customers_to_csv(self.customers), enc)
        _write_csv(out / "reps.csv", reps_to_csv(self.reps), enc)
        _write_csv(out / "appointments.csv", appointments_to_csv(self.appointments), enc)
        if self.changes is not None:
            _write_csv(out / "changes_vs_previous.csv", changes_to_csv(self.changes), enc)
        if self.frequency is not None:
            _write_csv(out / "frequency.csv", frequency_to_csv(self.frequency), enc)
        if self.history is not None:
            _write_csv(out / "history.csv", history_to_csv(self.history), enc)
        write_text(out / "territories.geojson", _territories_geojson(self.territories))
        write_text(out / "routes.geojson", _route_lines_geojson(self.route_lines, self.routes))
        write_text(out / "kpis.json", json.dumps(self.kpis, indent=2, default=str) + "\n")
        write_text(out / "plan.json", json.dumps(self.meta, indent=2, default=str) + "\n")

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_dir(cls, path: str | Path) -> Plan:
        """Read a plan directory written by :meth:`to_dir` (also after a manual edit).

        Raises
        ------
        InputError
            Not a plan folder, or any unreadable file, column or cell (each named with its
            row and column; see :mod:`planner.plan_read`).
        """
        from planner.plan_read import read_plan_tables, read_route_lines, read_territories

        path = Path(path)
        tables, docs = read_plan_tables(path)
        visits = visits_from_csv(tables["visits.csv"])
        routes = routes_from_csv(tables["routes.csv"])
        uns = tables["unscheduled.csv"].drop(columns="source_row")
        if len(uns):
            uns["due_date"] = uns["due_date"].map(dt.date.fromisoformat)
        assignments = tables["assignments.csv"].drop(columns="source_row")
        customers = customers_from_csv(tables["customers.csv"])
        reps = reps_from_csv(tables["reps.csv"])
        territories = read_territories(path / "territories.geojson")
        route_lines = read_route_lines(path / "routes.geojson")
        appointments = None
        if "appointments.csv" in tables:
            appointments = appointments_from_csv(tables["appointments.csv"])
        history = None
        if "history.csv" in tables:
            history = history_from_csv(tables["history.csv"])
        kpis, meta = docs["kpis.json"], docs["plan.json"]
        return cls(
            visits=visits,
            routes=routes,
            unscheduled=uns,
            assignments=assignments,
            customers=customers,
            reps=reps,
            territories=territories,
            route_lines=route_lines,
            kpis=kpis,
            meta=meta,
            appointments=appointments,
            history=history,
        )


# ---------------------------------------------------------------------- CSV codecs
def _write_csv(path: Path, frame: pd.DataFrame, encoding: str = "utf-8") -> None:
    write_bytes(path, csv_bytes(frame, encoding))


def read_plan_csv(path: str | Path) -> pd.DataFrame:
    """One CSV of a plan directory as text cells, the formula neutralisation undone.

    The same reader as :meth:`Plan.from_dir` (:func:`planner.plan_read.read_plan_csv`):
    UTF-8 with or without a byte-order mark; a defect raises
    :class:`~planner.errors.InputError` naming file and row.
    """
    from planner.plan_read import read_plan_csv as read

    return read(Path(path)).drop(columns="source_row")


def _min(seconds) -> float:
    return round(float(seconds) / 60.0, 1)


VISIT_DETAIL_CSV_COLUMNS = [
    "appointment",
    "contact",
    "contact_title",
    "purpose",
    "appointment_notes",
]


def visits_to_csv(
    v: pd.DataFrame, customers: pd.DataFrame | None = None, appointments: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``visits.csv``: the plan's visits in clock times and minutes; with ``customers``,
    also the pass-through columns (:data:`VISIT_DETAIL_CSV_COLUMNS`: the appointed time
    of a visit that keeps an appointment, contact, contact title, purpose, appointment
    notes)."""
    cols = [
        "rep_id",
        "territory_id",
        "date",
        "seq",
        "customer_id",
        "customer_name",
        "tier",
        "arrival",
        "start",
        "departure",
        "travel_min",
        "distance_km",
        "due_date",
    ]
    if customers is not None:
        cols += VISIT_DETAIL_CSV_COLUMNS
    if v.empty:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(
        {
            "rep_id": v["rep_id"],
            "territory_id": v["territory_id"],
            "date": v["date"].map(lambda d: d.isoformat()),
            "seq": v["seq"].astype(int),
            "customer_id": v["customer_id"],
            "customer_name": v["customer_name"],
            "tier": v["tier"],
            "arrival": v["arrival_s"].map(format_clock),
            "start": v["start_s"].map(format_clock),
            "departure": [format_end_clock(a, b) for a, b in zip(v["start_s"], v["departure_s"])],
            "travel_min": v["travel_s"].map(_min),
            "distance_km": (v["dist_m"].astype(float) / 1000).round(2),
            "due_date": v["due_date"].map(lambda d: d.isoformat() if d else ""),
        }
    )
    if customers is not None:
        d = visit_details(v, customers, appointments)
        out["appointment"] = d["appointment_s"].map(lambda s: "" if s is None else format_clock(s))
        for c in VISIT_DETAIL_CSV_COLUMNS[1:]:
            out[c] = d[c]
    return out[cols]


def visits_from_csv(f: pd.DataFrame) -> pd.DataFrame:
    if f.empty:
        return empty_frame(VISIT_COLUMNS)
    return pd.DataFrame(
        {
            "rep_id": f["rep_id"],
            "territory_id": f.get("territory_id", f["rep_id"]),
            "date": f["date"].map(dt.date.fromisoformat),
            "seq": f["seq"].astype(int),
            "customer_id": f["customer_id"],
            "customer_name": f["customer_name"],
            "tier": f["tier"],
            "arrival_s": f["arrival"].map(parse_clock),
            "start_s": f["start"].map(parse_clock),
            "departure_s": f["departure"].map(parse_clock),
            "travel_s": (f["travel_min"].astype(float) * 60).round().astype(int),
            "dist_m": (f["distance_km"].astype(float) * 1000).round().astype(int),
            "due_date": f["due_date"].map(lambda s: dt.date.fromisoformat(s) if s else None),
        }
    )[VISIT_COLUMNS]


def routes_to_csv(r: pd.DataFrame) -> pd.DataFrame:
    cols = [
        "rep_id",
        "territory_id",
        "date",
        "start",
        "end",
        "visits",
        "travel_min",
        "service_min",
        "wait_min",
        "distance_km",
        "break_start",
        "break_end",
    ]
    if r.empty:
        return pd.DataFrame(columns=cols)

    def clock_or_blank(x):
        return "" if x is None or pd.isna(x) else format_clock(x)

    return pd.DataFrame(
        {
            "rep_id": r["rep_id"],
            "territory_id": r["territory_id"],
            "date": r["date"].map(lambda d: d.isoformat()),
            "start": r["start_s"].map(format_clock),
            "end": r["end_s"].map(format_clock),
            "visits": r["visits"].astype(int),
            "travel_min": r["travel_s"].map(_min),
            "service_min": r["service_s"].map(_min),
            "wait_min": r["wait_s"].map(_min),
            "distance_km": (r["dist_m"].astype(float) / 1000).round(2),
            "break_start": r["break_start_s"].map(clock_or_blank),
            "break_end": r["break_end_s"].map(clock_or_blank),
        }
    )[cols]


def routes_from_csv(f: pd.DataFrame) -> pd.DataFrame:
    if f.empty:
        return empty_frame(ROUTE_COLUMNS)

    def clock_or_none(s):
        return parse_clock(s) if s else None

    return pd.DataFrame(
        {
            "rep_id": f["rep_id"],
            "territory_id": f["territory_id"],
            "date": f["date"].map(dt.date.fromisoformat),
            "start_s": f["start"].map(parse_clock),
            "end_s": f["end"].map(parse_clock),
            "visits": f["visits"].astype(int),
            "travel_s": (f["travel_min"].astype(float) * 60).round().astype(int),
            "service_s": (f["service_min"].astype(float) * 60).round().astype(int),
            "wait_s": (f["wait_min"].astype(float) * 60).round().astype(int),
            "dist_m": (f["distance_km"].astype(float) * 1000).round().astype(int),
            "break_start_s": f["break_start"].map(clock_or_none),
            "break_end_s": f["break_end"].map(clock_or_none),
        }
    )[ROUTE_COLUMNS]


def unscheduled_to_csv(u: pd.DataFrame) -> pd.DataFrame:
    cols = ["customer_id", "due_date", "reason", "customer_name", "tier", "rep_id", "territory_id"]
    if u.empty:
        return pd.DataFrame(columns=cols)
    out = u.copy()
    out["due_date"] = out["due_date"].map(lambda d: d.isoformat())
    return out[cols]


def changes_to_csv(c: pd.DataFrame) -> pd.DataFrame:
    """``changes_vs_previous.csv``: dates ISO, blank when absent."""
    out = c.copy()
    for col in ("previous_date", "new_date"):
        out[col] = out[col].map(lambda d: d.isoformat() if isinstance(d, dt.date) else "")
    out["shift_days"] = out["shift_days"].map(
        lambda v: "" if v is None or pd.isna(v) else str(int(v))
    )
    return out


def history_to_csv(history: dict) -> pd.DataFrame:
    """``history.csv``: one row per customer and visit date, sorted."""
    rows = [(c, d.isoformat()) for c in sorted(history) for d in sorted(history[c])]
    return pd.DataFrame(rows, columns=["customer_id", "date"])


def history_from_csv(f: pd.DataFrame) -> dict:
    out: dict[str, tuple] = {}
    for cid, day in zip(f.get("customer_id", []), f.get("date", []), strict=True):
        out[cid] = (*out.get(cid, ()), dt.date.fromisoformat(day))
    return out


def frequency_to_csv(f: pd.DataFrame) -> pd.DataFrame:
    """``frequency.csv``: dates as ISO text, counts as integers."""
    out = f.copy()
    for col in ("period_start", "period_end"):
        out[col] = out[col].map(lambda d: d.isoformat() if d else "")
    return out


APPOINTMENT_CSV_COLUMNS = ["customer_id", "date", "start", "purpose", "notes"]


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """``frame[name]`` as text, or ``''`` for every row when the column is absent (plan
    directories written before the column existed)."""
    if name not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[name].map(
        lambda x: "" if x is None or (isinstance(x, float) and pd.isna(x)) else x
    )


def appointments_to_csv(a: pd.DataFrame | None) -> pd.DataFrame:
    if a is None or a.empty:
        return pd.DataFrame(columns=APPOINTMENT_CSV_COLUMNS)
    return pd.DataFrame(
        {
            "customer_id": a["customer_id"],
            "date": a["date"].map(lambda d: d.isoformat()),
            "start": a["start_s"].map(format_clock),
            "purpose": _text_column(a, "purpose"),
            "notes": _text_column(a, "notes"),
        }
    )[APPOINTMENT_CSV_COLUMNS]


def appointments_from_csv(f: pd.DataFrame) -> pd.DataFrame:
    cols = ["customer_id", "date", "start_s", "source_row", "purpose", "notes"]
    if f.empty:
        return empty_frame(cols)
    return pd.DataFrame(
        {
            "customer_id": f["customer_id"],
            "date": f["date"].map(dt.date.fromisoformat),
            "start_s": f["start"].map(parse_clock),
            "source_row": range(2, len(f) + 2),
            "purpose": _text_column(f, "purpose"),
            "notes": _text_column(f, "notes"),
        }
    )[cols]


def customers_to_csv(c: pd.DataFrame) -> pd.DataFrame:
    from planner.hours import format_opening_hours

    return pd.DataFrame(
        {
            "customer_id": c["customer_id"],
            "name": c["name"],
            "lat": c["lat"],
            "lon": c["lon"],
            "tier": c["tier"],
            "address": c["address"],
            "phone": c["phone"],
            "notes": c["notes"],
            "service_min": (c["service_s"].astype(float) / 60).round(1),
            "opening_hours": c["hours"].map(format_opening_hours),
            "last_visit": c["last_visit"].map(lambda d: d.isoformat() if d else ""),
            "rep_id": c["rep_id"].map(lambda x: x or ""),
            "territory_id": c["territory_id"].map(lambda x: x or ""),
            "active": c["active"].map(lambda b: "true" if b else "false"),
            **{
                col: c[col].map(_int_or_blank) if col in c.columns else ""
                for col in ("every_weeks", "visits_per_year")
            },
            "contact": _text_column(c, "contact"),
            "contact_title": _text_column(c, "contact_title"),
            "purpose": _text_column(c, "purpose"),
        }
    )


def _int_or_blank(x) -> str:
    return "" if x is None or pd.isna(x) else str(int(x))


def customers_from_csv(f: pd.DataFrame) -> pd.DataFrame:
    from planner.hours import ALWAYS_OPEN, parse_opening_hours

    CLOSED = tuple(() for _ in range(7))

    def hours(text):
        if text == "closed":  # what format_opening_hours writes for a never-open customer
            return CLOSED
        return ALWAYS_OPEN if text == "" else parse_opening_hours(text)

    out = pd.DataFrame(
        {
            "customer_id": f["customer_id"],
            "name": f["name"],
            "lat": f["lat"].astype(float),
            "lon": f["lon"].astype(float),
            "tier": f["tier"],
            "address": f["address"],
            "phone": f["phone"],
            "notes": f["notes"],
            "service_s": (f["service_min"].astype(float) * 60).round().astype(int),
            "hours": f["opening_hours"].map(hours),
            "last_visit": f["last_visit"].map(lambda s: dt.date.fromisoformat(s) if s else None),
            "rep_id": f["rep_id"].map(lambda s: s or None),
            "territory_id": f["territory_id"].map(lambda s: s or None),
            "active": f["active"].map(lambda s: s == "true"),
        }
    )
    for col in ("every_weeks", "visits_per_year"):  # customer overrides (optional)
        if col in f.columns:
            out[col] = f[col].map(lambda s: int(s) if s else None)
    out["source_row"] = range(2, len(out) + 2)
    for name in ("contact", "contact_title", "purpose"):
        out[name] = _text_column(f, name)
    return out


def reps_to_csv(r: pd.DataFrame) -> pd.DataFrame:
    from planner.units import format_weekday_set

    return pd.DataFrame(
        {
            "rep_id": r["rep_id"],
            "name": r["name"],
            "home_lat": r["home_lat"],
            "home_lon": r["home_lon"],
            "start_lat": r["start_lat"],
            "start_lon": r["start_lon"],
            "work_start": r["work_start_s"].map(format_clock),
            "work_end": r["work_end_s"].map(format_clock),
            "working_days": r["working_days"].map(format_weekday_set),
            "max_visits_per_day": r["max_visits_per_day"].astype(int),
            "unavailable": r["unavailable"].map(lambda ds: " ".join(d.isoformat() for d in ds)),
        }
    )


def reps_from_csv(f: pd.DataFrame) -> pd.DataFrame:
    from planner.units import parse_weekday_set

    out = pd.DataFrame(
        {
            "rep_id": f["rep_id"],
            "name": f["name"],
            "home_lat": f["home_lat"].astype(float),
            "home_lon": f["home_lon"].astype(float),
            "start_lat": f["start_lat"].astype(float),
            "start_lon": f["start_lon"].astype(float),
            "work_start_s": f["work_start"].map(parse_clock),
            "work_end_s": f["work_end"].map(parse_clock),
            "working_days": f["working_days"].map(parse_weekday_set),
            "max_visits_per_day": f["max_visits_per_day"].astype(int),
            "unavailable": f["unavailable"].map(
                lambda s: tuple(dt.date.fromisoformat(x) for x in s.split()) if s else ()
            ),
        }
    )
    out["source_row"] = range(2, len(out) + 2)
    return out


def _territories_geojson(territories) -> str:
    if territories is None or len(territories) == 0:
        return json.dumps({"type": "FeatureCollection", "features": []}) + "\n"
    return territories.to_crs(4326).to_json(drop_id=True) + "\n"


def _route_lines_geojson(route_lines: dict, routes: pd.DataFrame) -> str:
    feats = []
    for (rep_id, day), pts in sorted(route_lines.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if len(pts) < 2:
            continue
        feats.append(
            {
                "type": "Feature",
                "properties": {"rep_id": rep_id, "date": day.isoformat()},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[round(lon, 6), round(lat, 6)] for lat, lon in pts],
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": feats}) + "\n"
