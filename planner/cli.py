"""The ``planner`` command line: thin wrappers that parse, call one library function, write.

Exit codes: 0 ok, 1 bug, 2 bad input (every problem listed), 3 unusable network data,
4 ``planner check`` found violations.
"""

from __future__ import annotations

import functools
import signal
import sys
from pathlib import Path
from typing import Annotated, ClassVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from planner import interrupt
from planner.errors import PlannerError, printable

app = typer.Typer(
    name="planner",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    help="Route and visit-territory planner for field sales teams.\n\n"
    "Quick start: `planner demo`, then open the printed map. With your own data: "
    "copy `scenarios/demo.yaml`, point it at your CSV files, run "
    "`planner validate my.yaml` and `planner plan my.yaml --out plans/my`.",
)
out_console = Console()
err_console = Console(stderr=True)

EXIT_VIOLATIONS = 4

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output directory (created).")]
WorkersOpt = Annotated[
    int | None, typer.Option(help="Parallel processes for per-territory work (0 = one per core).")
]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of maps, forms, workbook and summaries: en or zh "
        "(default: the scenario's `language`, else en).",
    ),
]
SelfContainedOpt = Annotated[
    bool | None,
    typer.Option(
        "--self-contained/--linked-assets",
        help="Inline Leaflet in every map page so one forwarded page works alone "
        "(default: the scenario's `maps.self_contained`).",
        show_default=False,
    ),
]
# ---- Dask: plan on an existing cluster (see docs/scaling.md)
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Address of a Dask scheduler (`tcp://host:8786`) whose workers plan the "
        "territories or scenarios; default: `$DASK_SCHEDULER_ADDRESS`, else a local "
        "cluster of worker processes on this machine.",
        show_default=False,
    ),
]


def friendly(fn):
    """Turn the planner's own errors into a message and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PlannerError as e:
            err_console.print(
                f"[bold red]error[/]: {escape(str(e))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(e.exit_code) from None

    return wrapper


class _Bars:
    """Rich progress bars fed by the pipeline's ``progress(stage, done, total)`` calls."""

    LABELS: ClassVar[dict[str, str]] = {
        "read": "reading inputs",
        "travel": "travel model",
        "territories": "territories",
        "routes": "calendar + routes",
        "geometry": "route geometry",
        "maps": "maps",
        "plans": "plans",
    }

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<20}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err_console,
            disable=not err_console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(
                self.LABELS.get(stage, stage), total=max(total, 1)
            )
        self.progress.update(self.tasks[stage], completed=done, total=max(total, 1))

    def plans(self, name: str, done: int, total: int) -> None:
        """The ``progress(scenario_name, done, total)`` of compare and size."""
        self("plans", done, total)

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)


def _kpi_table(kpis: dict, title: str, language: str | None = None) -> Table:
    from planner.i18n import translator

    tr = translator(language)
    t = Table(title=Text(title), show_header=False, title_justify="left")
    t.add_column("figure")
    t.add_column("value", justify="right")
    rh = kpis.get("rep_hours", {})
    rows = [
        (tr("reps / active customers"), f"{kpis['reps']} / {kpis['active_customers']}"),
        (tr("required visits"), kpis["required_visits"]),
        (tr("scheduled visits"), kpis["scheduled_visits"]),
        (tr("coverage"), f"{kpis['coverage_pct']} %"),
        (
            tr("unscheduled (by tier)"),
            f"{kpis['unscheduled_visits']} {kpis.get('unscheduled_by_tier') or ''}",
        ),
        (
            tr("travel"),
            tr("{h} h ({m} min per visit)", h=kpis["travel_h"], m=kpis["travel_per_visit_min"]),
        ),
        (tr("service"), f"{kpis['service_h']} h"),
        (
            tr("rep hours min / mean / max"),
            f"{rh.get('min')} / {rh.get('mean')} / {rh.get('max')}",
        ),
        (tr("overtime"), f"{kpis['overtime_h']} h"),
    ]
    for k, v in rows:
        t.add_row(k, Text(str(v)))
    return t


def _print_outputs(paths: dict, tr) -> None:
    """Where the workbook, forms, calendars and maps of a plan are (CLI summary)."""
    shown = [
        ("workbook", tr("workbook:"), paths.get("workbook")),
        ("daily_reports", tr("daily reports:"), _folder_of(paths.get("daily_reports"))),
        ("calendars", tr("calendars:"), _folder_of(paths.get("calendars"))),
        ("index", tr("overview map:"), paths.get("index")),
        ("first_day", tr("first rep-day:"), paths.get("first_day")),
    ]
    grid = Table.grid(padding=(0, 1))  # aligns wide (Chinese) labels too
    grid.add_column()
    grid.add_column()
    for _, label, where in shown:
        if where:
            grid.add_row(Text(label), Text(str(where)))
    out_console.print(grid)


def _folder_of(files: dict | None) -> str | None:
    if not files:
        return None
    return str(Path(next(iter(files.values()))).parent) + "/"


def _plan_to(
    scenario_path: Path,
    out: Path,
    workers: int | None,
    maps: bool = True,
    lang: str | None = None,
    self_contained: bool | None = None,
    actuals: list[Path] | None = None,
    previous: Path | None = None,
    keep_from: Path | None = None,
    scheduler: str | None = None,
) -> dict:
    from planner.files import check_out_dir
    from planner.i18n import translator
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import load_scenario

    sc = load_scenario(scenario_path).with_output(language=lang, self_contained=self_contained)
    if actuals or previous is not None:
        sc = sc.with_rolling(actuals, previous)
    protect = sc.input_files()
    check_out_dir(out, protect)  # before planning: a bad --out is found in a second
    tr = translator(sc.model.language)
    with _Bars() as bars:
        plan = run_plan(
            sc, workers=workers, progress=bars, scheduler=scheduler, keep_from=keep_from
        )
        bars("maps", 0, 1)
        paths = write_plan(plan, out, maps=maps, options=sc.output_options(), protect=protect)
        bars("maps", 1, 1)
    out_console.print(
        _kpi_table(plan.kpis, f"{sc.name}: {sc.horizon().start} .. {sc.horizon().end}", tr.language)
    )
    for w in plan.meta.get("warnings", [])[:20]:
        err_console.print(f"[yellow]warning[/]: {escape(str(w))}", highlight=False)
    n_warn = len(plan.meta.get("warnings", []))
    if n_warn > 20:
        err_console.print(f"[yellow]... and {n_warn - 20} more warnings in plan.json[/]")
    where = f"[bold]{escape(str(out))}[/]"
    out_console.print(tr("plan written to {dir}", dir=where))
    _print_outputs(paths, tr)
    return paths


@app.command()
@friendly
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario and its files; list every problem at once (exit 2 when any).

    Example: `planner validate scenarios/demo.yaml`
    """
    from planner.i18n import translator
    from planner.pipeline import read_scenario_inputs
    from planner.scenario import load_scenario

    sc = load_scenario(scenario)
    tr = translator(sc.model.language)
    inputs = read_scenario_inputs(sc)
    c = inputs.customers
    act = c[c["active"]]
    tiers = ", ".join(f"{k}: {v}" for k, v in act.groupby("tier").size().items())
    out_console.print(f"[green]ok[/]: {escape(str(sc.path))}")
    lines = [
        tr("customers: {n} ({active} active; {tiers})", n=len(c), active=len(act), tiers=tiers),
        tr(
            "reps: {n}; appointments: {appointments}",
            n=len(inputs.reps),
            appointments=len(inputs.appointments),
        ),
        tr(
            "horizon: {start} .. {end}; travel: {mode}",
            start=sc.horizon().start,
            end=sc.horizon().end,
            mode=sc.model.travel.mode,
        ),
    ]
    for line in lines:
        out_console.print(f"  {escape(line)}", highlight=False)

    from planner.rolling import read_roll

    roll = read_roll(sc, inputs.customers, inputs.reps)
    if roll is not None:
        r = roll.inputs
        prev = escape(str(sc.previous_plan_path or "none"))
        out_console.print(
            f"  roll: previous plan {prev}; visit log {roll.log_rows} rows from "
            f"{len(roll.log_files)} files; {r.updated_last_visits} last visits updated, "
            f"{len(r.carried)} missed/cancelled visits carried forward"
        )
        inputs.warnings += r.warnings
    for w in inputs.warnings:
        err_console.print(f"[yellow]warning[/]: {escape(str(w))}", highlight=False)


@app.command()
@friendly
def plan(
    scenario: ScenarioArg,
    out: OutOpt = Path("maps/plan"),
    workers: WorkersOpt = None,
    maps: Annotated[bool, typer.Option(help="Render the HTML maps.")] = True,
    lang: LangOpt = None,
    self_contained: SelfContainedOpt = None,
    actuals: Annotated[
        list[Path] | None,
        typer.Option(
            "--actuals",
            help="Visit log file or folder (repeatable); replaces the scenario's actuals:.",
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous", help="The previous plan folder to roll forward (previous_plan:)."
        ),
    ] = None,
    scheduler: SchedulerOpt = None,
    keep_from: Annotated[
        Path | None,
        typer.Option(
            help="An earlier plan folder: keep its territories, moving as few customers "
            "as possible (territories method 'keep').",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Plan territories, the visit calendar and daily routes; write tables, the visit plan
    workbook, daily report forms, calendars and maps.

    With `--previous` and `--actuals` the plan rolls forward: the cadence follows the
    visits made, and changes_vs_previous.csv lists what moved (docs/weekly-routine.md).

    With `--keep-from` the territories of an earlier plan are kept, moving as few
    customers as possible (next quarter from this one).

    Example: `planner plan scenarios/demo.yaml --out plans/demo --lang zh`;
    next quarter: `planner plan next.yaml --keep-from plans/demo --out plans/q2`
    (on a Dask cluster: `--scheduler tcp://HOST:8786`)
    """
    _plan_to(
        scenario, out, workers, maps, lang, self_contained, actuals, previous, keep_from, scheduler
    )


@app.command()
@friendly
def demo(
    out: OutOpt = Path("maps/demo"),
    workers: WorkersOpt = None,
    lang: LangOpt = None,
    self_contained: SelfContainedOpt = None,
) -> None:
    """Plan the embedded demo (central Helsinki, 4 reps, 480 customers) and print the maps.

    Example: `planner demo --out maps/demo`
    """
    from planner.scenario import demo_scenario_path

    _plan_to(demo_scenario_path(), out, workers, True, lang, self_contained)


@app.command()
@friendly
def territories(scenario: ScenarioArg, out: OutOpt = Path("maps/territories")) -> None:
    """Design territories only: assignments.csv, territories.geojson, territories.csv.

    Example: `planner territories scenarios/demo.yaml --out plans/territories`
    """
    import pandas as pd

    from planner.cells import csv_text
    from planner.files import check_out_dir, write_text
    from planner.pipeline import build_travel, design, read_scenario_inputs
    from planner.scenario import load_scenario

    sc = load_scenario(scenario)
    names = ("assignments.csv", "territories.geojson", "territories.csv")
    check_out_dir(
        out,
        [p for p in sc.input_files() if p.resolve() in {(out / n).resolve() for n in names}],
        replaceable=lambda p: True,  # three files are written; the rest is left alone
        what="territories folder",
    )
    inputs = read_scenario_inputs(sc)
    travel = build_travel(sc, inputs)
    res = design(sc, inputs, travel)
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "assignments.csv", csv_text(res.assignments))
    write_text(out / "territories.geojson", res.territories.to_json(drop_id=True) + "\n")
    table = res.territories.drop(columns="geometry")
    write_text(out / "territories.csv", csv_text(pd.DataFrame(table)))
    t = Table(title=Text(f"{sc.name}: territories (all columns in territories.csv)"))
    shown = {
        "territory_id": "territory",
        "rep_id": "rep",
        "customers": "cust.",
        "customers_A": "A",
        "customers_B": "B",
        "customers_C": "C",
        "workload_h": "work h",
        "deviation_pct": "dev %",
        "mean_home_travel_min": "home min",
        "contiguous": "contig.",
    }
    cols = [c for c in shown if c in table.columns]
    for col in cols:
        t.add_column(shown[col], justify="left" if col.endswith("_id") else "right")
    for _, row in table.iterrows():
        t.add_row(*[Text(str(row[c])) for c in cols])
    out_console.print(t)
    for w in res.warnings:
        err_console.print(f"[yellow]warning[/]: {escape(str(w))}", highlight=False)
    out_console.print(f"territories written to [bold]{escape(str(out))}[/]")


@app.command()
@friendly
def check(plan_dir: Annotated[Path, typer.Argument(help="A plan directory.")]) -> None:
    """Recompute every route of a plan from its inputs and report violations (exit 4 if any).

    Example: `planner check plans/demo` (also after editing plans/demo/visits.csv by hand)
    """
    from planner.check import check_plan_dir

    violations = check_plan_dir(plan_dir)
    if not violations:
        out_console.print(f"[green]ok[/]: {escape(str(plan_dir))}: no violations")
        return
    t = Table(title=Text(f"{len(violations)} violations in {plan_dir}"))
    for col in ("rep_id", "date", "customer_id", "kind", "message"):
        t.add_column(col)
    for v in violations[:200]:
        t.add_row(
            *[
                Text(printable(str(x or "")))
                for x in (v.rep_id, v.date, v.customer_id, v.kind, v.message)
            ]
        )
    out_console.print(t)
    raise typer.Exit(EXIT_VIOLATIONS)


def _plan_options(plan, lang: str | None, self_contained: bool | None):
    """The plan's recorded output options with the command line's overrides."""
    from planner.output import plan_output_options

    return plan_output_options(plan.meta, lang, self_contained)


@app.command()
@friendly
def maps(
    plan_dir: Annotated[Path, typer.Argument(help="A plan directory.")],
    lang: LangOpt = None,
    self_contained: SelfContainedOpt = None,
) -> None:
    """Re-render the HTML maps of a plan directory without re-planning.

    Example: `planner maps plans/demo --lang zh --self-contained`
    """
    from planner.i18n import translator
    from planner.maps import replace_maps
    from planner.maps.params import map_params
    from planner.plan import Plan

    p = Plan.from_dir(plan_dir)
    opts = _plan_options(p, lang, self_contained)
    res = replace_maps(p, plan_dir / "maps", map_params(opts))
    tr = translator(opts.language)
    out_console.print(f"{tr('overview map:')} {escape(str(res.index_path))}", highlight=False)


@app.command()
@friendly
def export(
    plan_dir: Annotated[Path, typer.Argument(help="A plan directory.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder to write into (default: the plan directory)."),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Write the visit plan workbook (visit_plan.xlsx), the daily report forms
    (daily-reports/) and the calendars (calendar/*.ics) of a plan directory.

    Example: `planner export plans/demo --out handouts --lang zh`
    """
    from planner.export import ExportParams, export_plan
    from planner.i18n import translator
    from planner.plan import Plan

    p = Plan.from_dir(plan_dir)
    opts = _plan_options(p, lang, None)
    res = export_plan(p, out or plan_dir, ExportParams(language=opts.language))
    tr = translator(opts.language)
    _print_outputs(
        {
            "workbook": res.workbook,
            "daily_reports": res.daily_reports,
            "calendars": res.calendars,
        },
        tr,
    )


# ---------------------------------------------------------------- weekly loop: actuals
def _as_of_date(text: str):
    """``--as-of``: a date as the readers accept it, or ``None`` (today)."""
    from planner.errors import InputError, Problem
    from planner.io.fields import parse_date

    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as e:
        raise InputError(Problem("command line", str(e), column="--as-of")) from None


@app.command()
@friendly
def actuals(
    plan_dir: Annotated[Path, typer.Argument(help="The plan directory the log is compared with.")],
    logs: Annotated[
        list[Path],
        typer.Argument(help="Visit log files (CSV, XLSX) or folders of them.", show_default=False),
    ],
    out: OutOpt = Path("maps/actuals"),
    as_of: Annotated[
        str, typer.Option("--as-of", help="The log is complete up to this date (default today).")
    ] = "",
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Language of the page and summary: en or zh (default: the plan's)."
        ),
    ] = None,
) -> None:
    """Compare a plan with the visit log: plan_vs_actual.csv, completion.csv and .html.

    Example: `planner actuals plans/week49 logs/ --out plans/week49/actuals`
    """
    from planner.actuals import ActualsParams, run_actuals
    from planner.i18n import translator
    from planner.report.compare import format_value

    res = run_actuals(ActualsParams(plan_dir, tuple(logs), out, _as_of_date(as_of), lang))
    tr = translator(res.language)
    t = Table(title=tr("Visit completion as of {date}", date=res.as_of), title_justify="left")
    headers = (
        "",
        tr("planned"),
        tr("done"),
        tr("completion"),
        tr("unplanned"),
        tr("missed/cancelled/no report"),
    )
    for h in headers:
        t.add_column(h, justify="left" if not h else "right")
    table = res.completion
    for r in table[table["group"].isin(["rep", "total"])].to_dict("records"):
        pct = r["completion_pct"]
        t.add_row(
            Text(str(r["rep_id"] or tr("total"))),
            str(r["planned"]),
            str(r["done"]),
            "-" if pct is None or pct != pct else f"{format_value(pct)} %",
            str(r["unplanned"]),
            f"{r['missed']} / {r['cancelled']} / {r['no_report']}",
        )
    out_console.print(t)
    for w in res.warnings[:20]:
        err_console.print(f"[yellow]warning[/]: {escape(str(w))}", highlight=False)
    out_console.print(tr("page:   {path}", path=escape(str(res.paths["html"]))))
    out_console.print(
        tr("tables: {path}, completion.csv", path=escape(str(res.paths["plan_vs_actual"])))
    )


# ---------------------------------------------------------------- what-if: compare, size


def _cells(values: list) -> list[Text]:
    from planner.report.compare import format_value

    return [Text(format_value(v)) for v in values]


@app.command()
@friendly
def compare(
    scenarios: Annotated[
        list[Path],
        typer.Argument(help="Base scenario first, then the what-ifs.", show_default=False),
    ],
    out: OutOpt = Path("maps/compare"),
    maps: Annotated[bool, typer.Option(help="Render each plan's own maps too.")] = True,
    processes: Annotated[
        int, typer.Option(help="Scenarios planned at once (0 = one per core).")
    ] = 0,
    scheduler: SchedulerOpt = None,
) -> None:
    """Plan a base scenario and its what-ifs side by side: table, comparison.csv/.html, map.

    Example: `planner compare scenarios/demo.yaml scenarios/whatif-*.yaml --out plans/compare`
    """
    from planner.compare import CompareParams, compare_scenarios
    from planner.report.compare import delta, delta_text

    with _Bars() as bars:
        res = compare_scenarios(
            CompareParams(list(scenarios), out, maps, processes, scheduler), progress=bars.plans
        )
    t = Table(title="Scenario comparison (change vs base)", title_justify="left")
    t.add_column("figure")
    for n in res.names:
        t.add_column(Text(n), justify="right")
    for i, m in enumerate(res.metrics):
        vals = list(res.table.iloc[i, 3:])
        cells = _cells(vals)
        for j in range(1, len(cells)):
            d = delta_text(delta(vals[j], vals[0]))
            if d:
                cells[j].append(f" ({d})", style="dim")
        t.add_row(Text(m.label + (f" ({m.unit})" if m.unit else "")), *cells)
    out_console.print(t)
    for w in res.warnings[:10]:
        err_console.print(f"[yellow]warning[/]: {escape(w)}", highlight=False)
    if len(res.warnings) > 10:
        err_console.print(
            f"[yellow]... and {len(res.warnings) - 10} more warnings in the plans' plan.json[/]"
        )
    out_console.print(f"comparison:  {escape(str(res.html_path))}")
    out_console.print(f"table:       {escape(str(res.csv_path))}")
    out_console.print(f"plans:       {escape(str(out))}/<scenario>/ ({res.runtime_s} s)")


@app.command()
@friendly
def size(
    scenario: ScenarioArg,
    reps: Annotated[
        str,
        typer.Option(
            help="Rep counts: a range 3..8 or a list 3,5,8 (default: the base's count +-2)."
        ),
    ] = "",
    out: OutOpt = Path("maps/size"),
    maps: Annotated[bool, typer.Option(help="Render each plan's maps too.")] = False,
    processes: Annotated[int, typer.Option(help="Plans run at once (0 = one per core).")] = 0,
    scheduler: SchedulerOpt = None,
) -> None:
    """How many reps are needed: plan the base with each rep count; table and chart.

    Example: `planner size scenarios/demo.yaml --reps 3..6 --out plans/size`
    """
    from planner.sizing import SizeParams, parse_rep_counts, size_team

    counts = parse_rep_counts(reps) if reps else ()
    with _Bars() as bars:
        res = size_team(
            SizeParams(scenario, counts, out, maps, processes, scheduler), progress=bars.plans
        )
    cols = [
        "reps",
        "coverage_pct",
        "unscheduled_visits",
        "travel_h",
        "travel_per_visit_min",
        "rep_hours_per_week",
        "overtime_h",
        "balance_pct",
        "removed_reps",
        "added_reps",
    ]
    heads = [
        "reps",
        "cover %",
        "unsched",
        "travel h",
        "min/visit",
        "h/rep/wk",
        "overtime h",
        "imbal %",
        "removed",
        "added",
    ]
    t = Table(
        title=f"Team sizing (time available per rep: {res.capacity_h_per_week} h/week)",
        title_justify="left",
    )
    for h in heads:
        t.add_column(h, justify="right")
    for row in res.table[cols].itertuples(index=False):
        t.add_row(*_cells(list(row)))
    out_console.print(t)
    if res.unreachable:
        out_console.print(
            f"{len(res.unreachable)} customers no rep can reach within a working day; "
            "a new rep would have to live at:"
        )
        for home in res.homes:
            out_console.print(
                f"  {home.lat:.5f}, {home.lon:.5f} (customer {escape(home.customer_id)}): "
                f"reaches {len(home.reaches)} of them"
            )
    out_console.print(f"chart:  {escape(str(res.html_path))} (and {escape(str(res.svg_path))})")
    out_console.print(f"table:  {escape(str(res.csv_path))}")
    out_console.print(f"plans:  {escape(str(out))}/reps-<k>/ ({res.runtime_s} s)")


# ---------------------------------------------------------------- OSRM dataset
@app.command("prepare-osrm")
@friendly
def prepare_osrm_cmd(
    osm: Annotated[Path, typer.Argument(help="OSM file (.osm.pbf, .osm, .osm.bz2).")],
    out: OutOpt = Path("osrm"),
    network_type: Annotated[
        str, typer.Option(help="drive, bike or walk (OSRM's car, bicycle or foot profile).")
    ] = "drive",
    algorithm: Annotated[
        str, typer.Option(help="ch (fastest tables) or mld (faster to prepare).")
    ] = "ch",
) -> None:
    """Prepare an OSRM dataset for `travel.engine: osrm` (extract + contract).

    Example: `planner prepare-osrm ../osm/malta-latest.osm.pbf --out data/osrm`, then in
    the scenario `travel: {mode: road, engine: osrm, network: data/osrm/malta-latest.osrm}`
    """
    from planner.errors import NetworkError
    from planner.network.osrm import PROFILES, prepare_osrm

    if network_type not in PROFILES:
        raise NetworkError(f"--network-type must be one of {', '.join(PROFILES)}")
    base = prepare_osrm(osm, out, network_type=network_type, algorithm=algorithm)
    out_console.print(f"OSRM dataset ready: [bold]{escape(str(base))}[/]")
    out_console.print(
        f"scenario: travel: {{mode: road, engine: osrm, network: {escape(str(base))}}}",
        highlight=False,
    )


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM/SIGHUP: unwind like Ctrl-C, so a plan folder being written is cleaned up
    and the earlier plan stays (see planner.files.replace_dir)."""
    raise SystemExit(128 + signum)


def main() -> None:
    interrupt.install()
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
