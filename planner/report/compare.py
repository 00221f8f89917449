"""Side-by-side figures of several plans of the same team: a base and its what-ifs.

Every figure comes from a plan's own ``kpis.json`` (see :func:`planner.report.compute_kpis`)
except two that need the base: ``changed_rep_customers`` (customers planned in both whose
rep differs) and the run time. :func:`comparison_frame` lays them out one row per figure,
one column per scenario; :func:`comparison_table_html` and :func:`csv_text` render it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from planner.i18n import N_, Translator, translator
from planner.maps.text import esc


@dataclass(frozen=True)
class Metric:
    """One row of the comparison.

    Parameters
    ----------
    key : str
        Machine name (the ``metric`` column of ``comparison.csv``).
    label : str
        What a planner reads.
    unit : str
        ``""``, ``"%"``, ``"h"``, ``"min"``, ``"km"``, ``"s"``.
    better : int
        +1 when more is better, -1 when less is better, 0 when neither (colours deltas).
    """

    key: str
    label: str
    unit: str = ""
    better: int = 0


BASE_METRICS = (
    Metric("reps", N_("reps")),
    Metric("active_customers", N_("active customers")),
    Metric("required_visits", N_("required visits")),
    Metric("scheduled_visits", N_("scheduled visits"), better=+1),
    Metric("coverage_pct", N_("coverage"), "%", +1),
    Metric("unscheduled_visits", N_("unscheduled visits"), better=-1),
)
TAIL_METRICS = (
    Metric("travel_h", N_("travel"), "h", -1),
    Metric("travel_per_visit_min", N_("travel per visit"), "min", -1),
    Metric("distance_km", N_("distance"), "km", -1),
    Metric("service_h", N_("time on site"), "h"),
    Metric("rep_days", N_("rep-days with visits")),
    Metric("rep_hours_min", N_("rep hours: min"), "h"),
    Metric("rep_hours_mean", N_("rep hours: mean"), "h"),
    Metric("rep_hours_max", N_("rep hours: max"), "h", -1),
    Metric("overtime_h", N_("overtime"), "h", -1),
    Metric("balance_pct", N_("imbalance of rep hours (max-min)/mean"), "%", -1),
    Metric("changed_rep_customers", N_("customers whose rep changed vs base"), better=-1),
    Metric("runtime_s", N_("run time (plan + write)"), "s", -1),
)


@dataclass
class PlanFigures:
    """What the comparison needs of one planned scenario.

    Parameters
    ----------
    name : str
        The scenario's name (column heading).
    kpis : dict
        The plan's ``kpis.json``.
    assignments : pandas.DataFrame
        ``customer_id, territory_id, rep_id`` of the plan.
    runtime_s : float
        Wall-clock seconds to plan and write the scenario.
    plan_dir : str
        Where the plan was written.
    """

    name: str
    kpis: dict
    assignments: pd.DataFrame
    runtime_s: float = 0.0
    plan_dir: str = ""


def tier_metrics(plans: list[PlanFigures]) -> list[Metric]:
    """One ``unscheduled_<tier>`` row per tier that any plan left unscheduled or has."""
    tiers: list[str] = []
    for p in plans:
        for t in p.kpis.get("unscheduled_by_tier") or {}:
            if str(t) not in tiers:
                tiers.append(str(t))
    return [
        Metric(f"unscheduled_{t}", f"unscheduled visits, tier {t}", better=-1)
        for t in sorted(tiers)
    ]


def changed_customers(base: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Customers planned in both plans whose rep differs.

    Parameters
    ----------
    base, other : pandas.DataFrame
        Assignments (``customer_id, territory_id, rep_id``) of the base and a what-if.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, base_rep_id, rep_id, base_territory_id, territory_id``, sorted by
        customer id. Customers only in one plan (added, deactivated) are not listed.
    """
    cols = ["customer_id", "territory_id", "rep_id"]
    m = (
        base[cols]
        .astype(str)
        .merge(other[cols].astype(str), on="customer_id", suffixes=("_base", ""))
    )
    m = m[m["rep_id_base"] != m["rep_id"]]
    out = pd.DataFrame(
        {
            "customer_id": m["customer_id"],
            "base_rep_id": m["rep_id_base"],
            "rep_id": m["rep_id"],
            "base_territory_id": m["territory_id_base"],
            "territory_id": m["territory_id"],
        }
    )
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True)


def figure(p: PlanFigures, key: str, changed: int | None) -> float | int | None:
    """The value of metric ``key`` for plan ``p`` (from its kpis, or the extras)."""
    k = p.kpis
    if key.startswith("rep_hours_"):
        return (k.get("rep_hours") or {}).get(key.removeprefix("rep_hours_"))
    if key.startswith("unscheduled_") and key != "unscheduled_visits":
        return int((k.get("unscheduled_by_tier") or {}).get(key.removeprefix("unscheduled_"), 0))
    if key == "changed_rep_customers":
        return changed
    if key == "runtime_s":
        return round(float(p.runtime_s), 1)
    return k.get(key)


def unique_names(names: list[str]) -> list[str]:
    """Scenario names made unique for column headings (``name``, ``name (2)``)."""
    out: list[str] = []
    for n in names:
        label, i = n, 2
        while label in out:
            label, i = f"{n} ({i})", i + 1
        out.append(label)
    return out


def comparison_frame(
    plans: list[PlanFigures], changed: list[int]
) -> tuple[pd.DataFrame, list[Metric]]:
    """The side-by-side table: one row per figure, one column per scenario (base first).

    Parameters
    ----------
    plans : list of PlanFigures
        Base first.
    changed : list of int
        Per plan, the number of :func:`changed_customers` versus the base (0 for the base).

    Returns
    -------
    (frame, metrics)
        ``frame`` has columns ``metric, label, unit`` then one per scenario (unique
        names); ``metrics`` the :class:`Metric` of each row.
    """
    metrics = [*BASE_METRICS, *tier_metrics(plans), *TAIL_METRICS]
    names = unique_names([p.name for p in plans])
    data: dict[str, list] = {
        "metric": [m.key for m in metrics],
        "label": [m.label for m in metrics],
        "unit": [m.unit for m in metrics],
    }
    for name, p, ch in zip(names, plans, changed, strict=True):
        data[name] = pd.Series([figure(p, m.key, ch) for m in metrics], dtype=object)
    return pd.DataFrame(data), metrics


def csv_text(frame: pd.DataFrame) -> str:
    """CSV text of a report table, no index, ``\n`` line ends, text cells neutralised
    against formula injection (``comparison.csv``, ``changed_customers.csv``,
    ``sizing.csv``)."""
    from planner.cells import csv_text as safe_csv_text

    return safe_csv_text(frame)


def format_value(value: object) -> str:
    """A figure as text: integers plain, floats without trailing zeros, ``""`` for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def delta(value: object, base: object) -> float | None:
    """``value - base`` when both are numbers, else ``None``."""
    try:
        d = float(value) - float(base)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(d) else round(d, 2)


def delta_text(d: float | None) -> str:
    if d is None or d == 0:
        return ""
    return ("+" if d > 0 else "-") + format_value(abs(d))


def delta_class(d: float | None, better: int) -> str:
    """``better``/``worse``/``""`` for colouring a change."""
    if not d or not better:
        return ""
    return "better" if d * better > 0 else "worse"


def metric_label(tr: Translator, m: Metric) -> str:
    """What a planner reads for metric ``m`` in ``tr``'s language (``comparison.csv``
    keeps the English ``label``)."""
    if m.key.startswith("unscheduled_") and m.key != "unscheduled_visits":
        return tr("unscheduled visits, tier {tier}", tier=m.key.removeprefix("unscheduled_"))
    return tr(m.label)


def comparison_table_html(
    frame: pd.DataFrame, metrics: list[Metric], tr: Translator | None = None
) -> str:
    """The table as HTML (every value escaped); what-if cells show the change vs the base.
    Labels in ``tr``'s language (default English)."""
    tr = tr or translator()
    names = list(frame.columns[3:])
    head = "".join(f'<th class="n">{esc(n)}</th>' for n in names)
    rows = []
    for i, m in enumerate(metrics):
        unit = f" ({esc(m.unit)})" if m.unit else ""
        cells = []
        base_v = frame.iloc[i, 3]
        for j, n in enumerate(names):
            v = frame.at[i, n]
            cell = esc(format_value(v))
            if j > 0:
                d = delta(v, base_v)
                cls = delta_class(d, m.better)
                if delta_text(d):
                    cell += f' <span class="delta {cls}">{esc(delta_text(d))}</span>'
            cells.append(f'<td class="n">{cell}</td>')
        rows.append(
            f'<tr data-metric="{esc(m.key)}"><th>{esc(metric_label(tr, m))}{unit}</th>'
            f"{''.join(cells)}</tr>"
        )
    return (
        f'<table class="cmp"><thead><tr><th>{esc(tr("figure"))}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
