"""The planning pipeline: scenario in, :class:`~planner.plan.Plan` out.

Only this module knows the order of the stages::

    read + validate -> travel model -> territories -> per territory: calendar + daily routes
    -> KPIs -> plan directory (+ maps)

Per-territory work (:func:`planner.territory_plan.plan_territory`) is a pure function of
picklable inputs (:class:`~planner.territory_plan.TerritoryProblem` carries its own travel
matrix), so territories run as tasks of a Dask cluster (:mod:`planner.cluster`): an
embedded local cluster by default, or any cluster given by its scheduler address.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from planner.matrix import home_id, start_id
from planner.plan import (
    ASSIGNMENT_COLUMNS,
    ROUTE_COLUMNS,
    UNSCHEDULED_COLUMNS,
    VISIT_COLUMNS,
    Plan,
    empty_frame,
)
from planner.scenario import Scenario
from planner.schedule.frequency import FREQUENCY_COLUMNS

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as work advances (the CLI draws bars)."""


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


@dataclass
class Inputs:
    """A scenario's validated inputs (picklable: a plan task carries them to a worker).

    ``roll`` (:class:`planner.rolling.RollSetup`, or ``None``) and ``keep_from`` (the plan
    folder whose territories are kept, or ``None``) are set by :func:`read_plan_inputs`.
    """

    customers: pd.DataFrame
    reps: pd.DataFrame
    appointments: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    roll: Any = None
    keep_from: Path | None = None


def read_scenario_inputs(scenario: Scenario) -> Inputs:
    """Read and validate the scenario's customer, rep and appointment files."""
    from planner.io import ReadParams, read_inputs

    res = read_inputs(
        ReadParams(
            customers_path=scenario.customers_path,
            reps_path=scenario.reps_path,
            appointments_path=scenario.appointments_path,
            tiers=scenario.tier_table(),
            workday=scenario.workday(),
            columns=scenario.model.columns.model_dump(),
            encoding=scenario.model.encoding,
            tiers_note=scenario.tiers_note,
        )
    )
    from planner.changes import apply_changes

    customers, reps, warnings = apply_changes(scenario, res.customers, res.reps)
    return Inputs(customers, reps, res.appointments, [*res.warnings, *warnings])


def read_plan_inputs(scenario: Scenario, keep_from: Path | None = None) -> Inputs:
    """Everything a plan reads from files, read once: the scenario's inputs
    (:func:`read_scenario_inputs`), its rolling re-plan (visit log and previous plan,
    :func:`planner.rolling.read_roll`) and the territories of ``keep_from``
    (:func:`keep_territories_from`).

    Raises
    ------
    InputError
        Any of those files has problems.
    """
    from planner.rolling import read_roll

    inputs = read_scenario_inputs(scenario)
    roll = read_roll(scenario, inputs.customers, inputs.reps)  # rolling re-plan, or None
    if roll is not None:
        inputs.customers = roll.inputs.customers  # effective last visits from the log
        inputs.warnings += roll.inputs.warnings
        inputs.roll = roll
    if keep_from is not None:
        inputs = keep_territories_from(inputs, keep_from)
        inputs.keep_from = Path(keep_from)
    return inputs


def travel_params(scenario: Scenario):
    """The scenario's travel settings as :class:`planner.network.TravelParams`."""
    from planner.network import TravelParams
    from planner.scenario import network_file

    t = scenario.model.travel
    local = network_file(scenario)
    network = str(local) if local is not None else t.network
    cache = scenario.resolve(t.cache_dir) if t.cache_dir else None
    return TravelParams(
        mode=t.mode,
        speed_kmh=t.speed_kmh,
        circuity=t.circuity,
        network=network,
        network_type=t.network_type,
        speeds_kmh=dict(t.speeds_kmh),
        snap_warn_m=t.snap_warn_m,
        cache_dir=cache,
        engine=t.engine,
    )


def travel_points(customers: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Every point the plan needs: active customers, rep homes and day starts."""
    act = customers[customers["active"]]
    parts = [
        pd.DataFrame({"point_id": act["customer_id"], "lat": act["lat"], "lon": act["lon"]}),
        pd.DataFrame(
            {
                "point_id": reps["rep_id"].map(home_id),
                "lat": reps["home_lat"],
                "lon": reps["home_lon"],
            }
        ),
        pd.DataFrame(
            {
                "point_id": reps["rep_id"].map(start_id),
                "lat": reps["start_lat"],
                "lon": reps["start_lon"],
            }
        ),
    ]
    return pd.concat(parts, ignore_index=True)


def build_travel(scenario: Scenario, inputs: Inputs):
    from planner.network import build_travel_model

    return build_travel_model(travel_params(scenario), travel_points(inputs.customers, inputs.reps))


CYCLE_WEEKS = 4  # the territory stage's workload cycle


def rep_capacity_h(scenario: Scenario, reps: pd.DataFrame, cycle_weeks: int = CYCLE_WEEKS) -> dict:
    """Hours each rep can work per cycle: their working dates in the horizon (the
    scheduling calendar's :func:`~planner.schedule.rep_work_dates`: working weekdays minus
    ``unavailable`` dates) x (own hours minus lunch), scaled from the horizon to
    ``cycle_weeks`` weeks. 0 for a rep away the whole horizon."""
    from planner.schedule import rep_window, rep_work_dates

    horizon, workday = scenario.horizon(), scenario.workday()
    lunch_s = workday.lunch.duration_s if workday.lunch else 0
    out = {}
    for rep in reps.to_dict("records"):
        ws, we = rep_window(rep, workday)
        days = len(rep_work_dates(rep, horizon))
        out[str(rep["rep_id"])] = (
            days * max(we - ws - lunch_s, 0) / 3600.0 * cycle_weeks / horizon.weeks
        )
    return out


def territory_params(
    scenario: Scenario, reps: pd.DataFrame | None = None, method: str | None = None
):
    """The scenario's territory settings; with ``reps``, each rep's capacity per cycle
    (:func:`rep_capacity_h`); ``method`` overrides the scenario's (``keep`` for
    ``--keep-from``)."""
    from planner.territory import TerritoryParams

    t = scenario.model.territories
    return TerritoryParams(
        method=method or t.method,
        count=t.count,
        balance=t.balance,
        balance_column=t.balance_column,
        balance_tolerance=t.balance_tolerance,
        boundary=scenario.resolve(t.boundary),
        units=scenario.resolve(t.units),
        cycle_weeks=CYCLE_WEEKS,
        seed=scenario.seed,
        rep_capacity_h=None if reps is None else rep_capacity_h(scenario, reps),
    )


def design(scenario: Scenario, inputs: Inputs, travel, method: str | None = None):
    """Run the territory stage on the active customers (each rep's capacity from the
    calendar; ``method`` overrides the scenario's)."""
    from planner.territory import design_territories

    active = inputs.customers[inputs.customers["active"]].reset_index(drop=True)
    if not len(active):  # a warning (read_inputs says so), not an error: an empty plan
        from planner.territory import TerritoryResult

        return TerritoryResult(
            assignments=empty_frame(ASSIGNMENT_COLUMNS), territories=None, warnings=[]
        )
    return design_territories(
        active,
        inputs.reps,
        travel,
        scenario.tier_table(),
        scenario.workday(),
        territory_params(scenario, inputs.reps, method),
    )


def keep_territories_from(inputs: Inputs, plan_dir: Path) -> Inputs:
    """The inputs with each customer's ``territory_id`` taken from a plan's
    ``assignments.csv`` (customers the plan does not have keep theirs), for
    ``method: keep`` from an earlier plan (``planner plan --keep-from``, what-ifs).

    Raises
    ------
    InputError
        ``plan_dir`` is not a plan folder (no readable ``assignments.csv``).
    """
    from planner.errors import InputError, Problem
    from planner.plan import read_plan_csv

    path = Path(plan_dir) / "assignments.csv"
    fix = "--keep-from takes a plan folder written by 'planner plan'"
    try:
        prev = read_plan_csv(path)  # the plan reader: BOM, neutralised cells, bad bytes
    except InputError as e:
        raise InputError(
            [Problem(p.file, p.message, p.row, p.column, p.fix or fix) for p in e.problems]
        ) from None
    missing = [c for c in ("customer_id", "territory_id") if c not in prev.columns]
    if missing:
        raise InputError(
            Problem(str(path), f"missing column(s) {', '.join(missing)}", row=1, fix=fix)
        )
    tid = dict(zip(prev["customer_id"], prev["territory_id"], strict=True))
    customers = inputs.customers.copy()
    ids = customers["customer_id"].astype(str)
    known = ids.isin(tid.keys())
    customers.loc[known, "territory_id"] = ids[known].map(tid).replace("", None)
    n_new = int((~known & customers["active"].astype(bool)).sum())
    warnings = [f"territories kept from {plan_dir} ({int(known.sum())} customers)"]
    if n_new:
        warnings.append(f"{n_new} active customers are not in {plan_dir}; they are placed afresh")
    return replace(inputs, customers=customers, warnings=[*inputs.warnings, *warnings])


def explain_unreachable(unscheduled: pd.DataFrame, unreachable) -> pd.DataFrame:
    """Unscheduled visits of customers no rep can reach get the territory stage's reason
    (the nearest rep and the time one visit would take), whatever the calendar said."""
    if unreachable is None or not len(unreachable) or not len(unscheduled):
        return unscheduled
    reason = dict(zip(unreachable["customer_id"], unreachable["reason"], strict=True))
    out = unscheduled.copy()
    hit = out["customer_id"].isin(reason.keys())
    out.loc[hit, "reason"] = out.loc[hit, "customer_id"].map(reason)
    return out


def territory_summary(terr) -> list[dict]:
    """Per territory, for ``plan.json``: capacity, load, contiguity (and why not) and
    where the rep's day starts (empty when no territories were designed, e.g. no active
    customers)."""
    keys = [
        "territory_id",
        "rep_id",
        "customers",
        "workload_h",
        "commute_h",
        "capacity_h",
        "load_pct",
        "deviation_pct",
        "contiguous",
        "contiguity_note",
        "home_in_territory",
        "home_touches_territory",
        "home_distance_km",
    ]
    t = terr.territories
    if t is None:
        return []
    cols = [c for c in keys if c in t.columns]
    rows = t[cols].to_dict("records")
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows
    ]


def territory_problems(
    scenario: Scenario, inputs: Inputs, travel, assignments: pd.DataFrame, roll=None
):
    """One picklable :class:`TerritoryProblem` per territory, each with its own matrix;
    ``roll`` (:class:`planner.rolling.RollSetup`) adds a rolled plan's history, previous
    days, carried visits and frozen days."""
    return list(iter_territory_problems(scenario, inputs, travel, assignments, roll))


def staffed_count(inputs: Inputs, assignments: pd.DataFrame) -> int:
    """Number of territories that have a rep (the problems :func:`iter_territory_problems`
    yields)."""
    staffed = assignments[assignments["rep_id"].isin(set(inputs.reps["rep_id"]))]
    return len(staffed[["territory_id", "rep_id"]].drop_duplicates())


def iter_territory_problems(
    scenario: Scenario, inputs: Inputs, travel, assignments: pd.DataFrame, roll=None
):
    """:func:`territory_problems` one at a time (each matrix is built when it is asked
    for, so a cluster run holds only the problems in flight)."""
    from planner.routing import RoutingParams
    from planner.territory_plan import TerritoryProblem

    active = inputs.customers[inputs.customers["active"]]
    reps = inputs.reps.set_index("rep_id", drop=False)
    for (tid, rep_id), grp in assignments.groupby(["territory_id", "rep_id"], sort=True):
        if rep_id not in reps.index:  # a vacant territory: see vacant_unscheduled
            continue
        cust = active[active["customer_id"].isin(grp["customer_id"])].reset_index(drop=True)
        ids = [start_id(rep_id), home_id(rep_id), *cust["customer_id"]]
        appts = inputs.appointments
        if len(appts):
            appts = appts[appts["customer_id"].isin(cust["customer_id"])].reset_index(drop=True)
        yield TerritoryProblem(
            territory_id=str(tid),
            rep=reps.loc[rep_id].to_dict(),
            customers=cust,
            appointments=appts,
            matrix=travel.matrix(ids),
            horizon=scenario.horizon(),
            workday=scenario.workday(),
            tiers=scenario.tier_table(),
            routing=RoutingParams(
                time_limit_s=scenario.model.routing.time_limit_s, seed=scenario.seed
            ),
            max_shift_days=scenario.model.routing.max_shift_days,
            seed=scenario.seed,
            calendar=scenario.work_calendar(),
            **(roll.territory_fields(set(cust["customer_id"])) if roll is not None else {}),
        )


def vacant_unscheduled(
    scenario: Scenario, inputs: Inputs, assignments: pd.DataFrame
) -> pd.DataFrame:
    """Due visits of territories without a rep (``territories.count`` > reps), as
    unscheduled rows with a reason (due dates counted on Monday-Friday)."""
    from planner.schedule import due_visits

    reps = set(inputs.reps["rep_id"])
    vacant = assignments[~assignments["rep_id"].isin(reps)]
    if not len(vacant):
        return empty_frame(UNSCHEDULED_COLUMNS)
    active = inputs.customers[inputs.customers["active"]]
    rows = []
    for tid, grp in vacant.groupby("territory_id", sort=True):
        cust = active[active["customer_id"].isin(grp["customer_id"])]
        names = dict(zip(cust["customer_id"], cust["name"]))
        for v in due_visits(
            cust,
            scenario.horizon(),
            scenario.tier_table(),
            scenario.seed,
            max_shift_days=scenario.model.routing.max_shift_days,
        ):
            rows.append(
                {
                    "customer_id": v.customer_id,
                    "customer_name": names[v.customer_id],
                    "tier": v.tier,
                    "rep_id": "",
                    "territory_id": str(tid),
                    "due_date": v.due_date,
                    "reason": f"territory {tid} has no rep (territories.count is larger "
                    "than the number of reps): hire or assign one",
                }
            )
    return pd.DataFrame(rows, columns=UNSCHEDULED_COLUMNS)


def solve_territories(
    problems,
    workers: int = 0,
    progress: Progress = _no_progress,
    scheduler: str | None = None,
    n_tasks: int | None = None,
) -> list:
    """Plan every territory with :func:`planner.cluster.run_tasks` (a local Dask cluster
    of ``workers`` processes, the cluster at ``scheduler``, or in this process for one
    territory or ``workers == 1``); results in the order of ``problems``.

    ``problems`` may be a generator when ``n_tasks`` gives its length.
    """
    from planner.cluster import ClusterParams, run_tasks
    from planner.territory_plan import plan_territory

    n = len(problems) if n_tasks is None else n_tasks
    results: list = [None] * n
    progress("routes", 0, n)
    params = ClusterParams(scheduler, workers)
    with contextlib.closing(run_tasks(plan_territory, problems, params, n)) as tasks:
        for done, (i, res) in enumerate(tasks, start=1):
            results[i] = res
            progress("routes", done, n)
    return results


#: Territory statistics that are wall-clock timings: plan.json keeps them under
#: ``runtimes.territories`` so two runs of the same input differ only in ``created`` and
#: ``runtimes``.
TIMING_STATS = ("calendar_s", "routing_s", "runtime_s", "joint_s")


def territory_stats(stats: dict) -> dict:
    """A territory's statistics without its timings (:data:`TIMING_STATS`)."""
    return {k: v for k, v in stats.items() if k not in TIMING_STATS}


def territory_runtimes(stats: dict) -> dict:
    """``territory_id`` and the timings of a territory's statistics."""
    return {"territory_id": stats.get("territory_id")} | {
        k: stats[k] for k in TIMING_STATS if k in stats
    }


def time_limit_warnings(stats: list[dict], scenario: Scenario) -> list[str]:
    """One warning when any rep-day's route search stopped at the safety time limit
    (``routing.time_limit_s``) instead of its deterministic budget."""
    days = [(s["rep_id"], d) for s in stats for d in s.get("time_limit_days", [])]
    if not days:
        return []
    shown = ", ".join(f"{r} {d}" for r, d in days[:5]) + (" ..." if len(days) > 5 else "")
    return [
        f"{len(days)} rep-day route search{'es' if len(days) > 1 else ''} stopped at the "
        f"safety time limit (routing.time_limit_s = {scenario.model.routing.time_limit_s:g} s) "
        f"before their solution budget: {shown}. These routes depend on the machine's speed "
        "and load; raise routing.time_limit_s (plan.json territory_stats time_limit_days "
        "lists the days)"
    ]


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame(columns)
    return pd.concat(frames, ignore_index=True)[columns]


def route_lines(travel, routes: pd.DataFrame, visits: pd.DataFrame) -> dict:
    """The path of every rep-day (road-following for a road model)."""
    lines: dict = {}
    if not len(visits):
        return lines
    for (rep_id, day), grp in visits.sort_values("seq").groupby(["rep_id", "date"], sort=True):
        ids = [start_id(rep_id), *grp["customer_id"], home_id(rep_id)]
        lines[(rep_id, day)] = travel.path(ids)
    return lines


def versions() -> dict:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in (
        "planner",
        "ortools",
        "osmnx",
        "pyrosm",
        "geopandas",
        "shapely",
        "folium",
        "pandas",
        "numpy",
        "scipy",
    ):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def run_plan(
    scenario: Scenario,
    workers: int | None = None,
    progress: Progress = _no_progress,
    scheduler: str | None = None,
    inputs: Inputs | None = None,
    keep_from: Path | None = None,
) -> Plan:
    """Plan a scenario end to end.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`planner.scenario.load_scenario`).
    workers : int, optional
        Parallel processes for per-territory work (default: the scenario's ``workers``,
        0 = one per core).
    progress : callable, optional
        ``progress(stage, done, total)``.
    scheduler : str, optional
        Address of a Dask scheduler that plans the territories (default: the environment's
        ``DASK_SCHEDULER_ADDRESS``, else a local cluster; see :mod:`planner.cluster`).
    inputs : Inputs, optional
        The scenario's inputs when already read by :func:`read_plan_inputs` (visit log,
        previous plan and ``keep_from`` applied), e.g. by the client that sent this plan to
        a worker: the worker then reads no input file.
    keep_from : Path, optional
        An earlier plan folder: its territories are the current ones and the territory
        stage runs in ``keep`` mode (moves as few customers as possible). Ignored when
        ``inputs`` is given (they carry their own ``keep_from``).

    Returns
    -------
    Plan
        Every due visit is either in ``plan.visits`` or in ``plan.unscheduled`` with a reason.

    Raises
    ------
    InputError
        Bad input files (exit 2). ``NetworkError``: unusable network data (exit 3).
    """
    from planner.report import compute_kpis
    from planner.rolling import changes_vs_previous, late_make_up_warning, roll_meta

    runtimes: dict = {}
    t0 = time.perf_counter()

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        runtimes[name] = round(now - since, 3)
        return now

    progress("read", 0, 1)
    if inputs is None:
        inputs = read_plan_inputs(scenario, keep_from)
    roll, keep_from = inputs.roll, inputs.keep_from
    progress("read", 1, 1)
    t = lap("read_s", t0)

    progress("travel", 0, 1)
    travel = build_travel(scenario, inputs)
    progress("travel", 1, 1)
    t = lap("travel_s", t)

    progress("territories", 0, 1)
    terr = design(scenario, inputs, travel, "keep" if keep_from is not None else None)
    progress("territories", 1, 1)
    t = lap("territories_s", t)

    problems = iter_territory_problems(scenario, inputs, travel, terr.assignments, roll)
    n_workers = scenario.model.workers if workers is None else workers
    n = staffed_count(inputs, terr.assignments)
    results = solve_territories(problems, n_workers, progress, scheduler, n)
    t = lap("routes_s", t)  # the matrices are built as the territories are sent

    visits = _concat([r.visits for r in results], VISIT_COLUMNS)
    routes = _concat([r.routes for r in results], ROUTE_COLUMNS)
    unscheduled = _concat(
        [*(r.unscheduled for r in results), vacant_unscheduled(scenario, inputs, terr.assignments)],
        UNSCHEDULED_COLUMNS,
    )
    unscheduled = explain_unreachable(unscheduled, getattr(terr, "unreachable", None))
    if len(visits):
        visits = visits.sort_values(["rep_id", "date", "seq"], kind="stable").reset_index(drop=True)
    if len(routes):
        routes = routes.sort_values(["rep_id", "date"], kind="stable").reset_index(drop=True)
    if len(unscheduled):
        unscheduled = unscheduled.sort_values(
            ["due_date", "customer_id"], kind="stable"
        ).reset_index(drop=True)
    progress("geometry", 0, 1)
    lines = route_lines(travel, routes, visits)
    progress("geometry", 1, 1)
    t = lap("geometry_s", t)

    frequency = _concat([r.frequency for r in results], FREQUENCY_COLUMNS)
    kpis = compute_kpis(visits, routes, unscheduled, inputs.reps, inputs.customers)
    kpis["territory_moved_customers"] = int(getattr(terr, "moved", 0))
    unreachable = getattr(terr, "unreachable", None)
    kpis["unreachable_customers"] = 0 if unreachable is None else len(unreachable)
    runtimes["territories"] = [territory_runtimes(r.stats) for r in results]
    runtimes["total_s"] = round(time.perf_counter() - t0, 3)
    meta = {
        "scenario": scenario.name,
        "scenario_file": str(scenario.path),
        "description": scenario.model.description,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": scenario.seed,
        "horizon": {
            "start": scenario.horizon().start.isoformat(),
            "end": scenario.horizon().end.isoformat(),
        },
        "travel_source": travel.source,
        "settings": scenario.to_dict(),
        "versions": versions(),
        "runtimes": runtimes,
        "warnings": [*inputs.warnings, *travel.warnings, *terr.warnings],
        "keep_from": None if keep_from is None else str(keep_from),
        "territories": territory_summary(terr),
        "territory_stats": [territory_stats(r.stats) for r in results],
    }
    meta["warnings"].extend(time_limit_warnings(meta["territory_stats"], scenario))
    plan = Plan(
        visits=visits,
        routes=routes,
        unscheduled=unscheduled,
        assignments=terr.assignments[ASSIGNMENT_COLUMNS].reset_index(drop=True),
        customers=inputs.customers,
        reps=inputs.reps,
        territories=terr.territories,
        route_lines=lines,
        kpis=kpis,
        meta=meta,
        appointments=inputs.appointments,
        frequency=frequency,
    )
    if roll is not None:
        plan.history = roll.inputs.calendar_history()
        plan.meta["rolling"] = roll_meta(roll, plan)
        plan.meta["warnings"] = [*plan.meta["warnings"], *late_make_up_warning(plan)]
        if roll.previous is not None:
            plan.changes = changes_vs_previous(roll.previous, plan, roll.inputs, roll.params)
    return plan


def write_plan(
    plan: Plan,
    out: Path,
    maps: bool = True,
    options=None,
    export: bool = True,
    protect: Iterable[str | Path] = (),
) -> dict:
    """Write the plan's tables, its workbook, forms and calendars and (by default) its
    maps; returns the main output paths.

    The folder ``out`` is replaced as a whole (:meth:`Plan.to_dir`): everything is
    written into a sibling temporary folder that takes the place of ``out`` at the end,
    so an interrupted run leaves the earlier plan intact.

    Parameters
    ----------
    plan : Plan
    out : Path
        The plan directory: new, empty or an earlier plan folder.
    maps : bool
        Render the HTML maps (``<out>/maps``).
    options : planner.output.OutputOptions or None
        Language, CSV encoding, navigation links, self-contained pages; ``None`` takes
        the scenario's settings recorded in ``plan.meta``.
    export : bool
        Write ``visit_plan.xlsx``, ``daily-reports/`` and ``calendar/``.
    protect : paths
        The run's inputs (``Scenario.input_files``): ``out`` must not hold any of them.

    Raises
    ------
    InputError
        ``out`` cannot be written, is a folder the planner did not write, or holds an
        input (nothing is written).
    """
    from planner.output import output_options

    out = Path(out)
    opts = options or output_options(plan.meta)
    paths: dict = {"dir": out}
    extras = []

    def final(folder: Path, p: Path) -> Path:
        """Where ``p``, written under the temporary ``folder``, is once swapped in."""
        return out / Path(p).relative_to(folder)

    if export:

        def write_exports(p: Plan, folder: Path) -> None:
            from planner.export import ExportParams, export_plan

            res = export_plan(p, folder, ExportParams(language=opts.language))
            if res.workbook is not None:
                paths["workbook"] = final(folder, res.workbook)
            paths["daily_reports"] = {k: final(folder, v) for k, v in res.daily_reports.items()}
            paths["calendars"] = {k: final(folder, v) for k, v in res.calendars.items()}

        extras.append(write_exports)
    if maps:

        def write_maps(p: Plan, folder: Path) -> None:
            from planner.maps import render_maps
            from planner.maps.params import map_params

            res = render_maps(p, folder / "maps", map_params(opts))
            paths["index"] = final(folder, res.index_path)
            if res.day_pages:
                paths["first_day"] = final(folder, res.day_pages[sorted(res.day_pages)[0]])

        extras.append(write_maps)
    plan.to_dir(out, csv_encoding=opts.csv_encoding, extras=extras, protect=protect)
    return paths
