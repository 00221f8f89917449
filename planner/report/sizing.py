"""Team sizing report: one row per rep count, and a chart a manager can paste in a deck.

:func:`sizing_row` takes the figures of one plan's ``kpis.json``; :func:`sizing_svg`
draws three small panels (coverage, hours per rep per week against the time reps have,
travel per visit) as plain SVG with no script and no external file, so it pastes into
slides as is; :func:`sizing_html` wraps it with the table.
"""

from __future__ import annotations

import pandas as pd

from planner.i18n import N_, Translator, translator
from planner.maps.text import esc
from planner.report.compare import format_value

SIZING_COLUMNS = [
    "reps",
    "coverage_pct",
    "required_visits",
    "scheduled_visits",
    "unscheduled_visits",
    "travel_h",
    "travel_per_visit_min",
    "rep_hours_min",
    "rep_hours_mean",
    "rep_hours_max",
    "rep_hours_per_week",
    "overtime_h",
    "balance_pct",
    "removed_reps",
    "added_reps",
    "plan_dir",
]
LABELS = {
    "reps": N_("reps"),
    "coverage_pct": N_("coverage %"),
    "required_visits": N_("required visits"),
    "scheduled_visits": N_("scheduled"),
    "unscheduled_visits": N_("unscheduled"),
    "travel_h": N_("travel h"),
    "travel_per_visit_min": N_("travel / visit min"),
    "rep_hours_min": N_("rep h min"),
    "rep_hours_mean": N_("rep h mean"),
    "rep_hours_max": N_("rep h max"),
    "rep_hours_per_week": N_("h per rep per week"),
    "overtime_h": N_("overtime h"),
    "balance_pct": N_("imbalance %"),
    "removed_reps": N_("removed"),
    "added_reps": N_("added"),
    "plan_dir": N_("plan"),
}


def column_labels(tr: Translator) -> dict[str, str]:
    """:data:`LABELS` in ``tr``'s language (``sizing.csv`` keeps the column names)."""
    return {k: tr(v) for k, v in LABELS.items()}


def sizing_row(
    reps: int, kpis: dict, weeks: int, removed: list[str], added: list[str], plan_dir: str
) -> dict:
    """One row of the sizing table from a plan's ``kpis.json``.

    ``rep_hours_per_week`` is the mean rep's planned hours (first departure to return,
    summed over days) divided by the horizon's ``weeks``.
    """
    rh = kpis.get("rep_hours") or {}
    return {
        "reps": int(reps),
        "coverage_pct": kpis["coverage_pct"],
        "required_visits": kpis["required_visits"],
        "scheduled_visits": kpis["scheduled_visits"],
        "unscheduled_visits": kpis["unscheduled_visits"],
        "travel_h": kpis["travel_h"],
        "travel_per_visit_min": kpis["travel_per_visit_min"],
        "rep_hours_min": rh.get("min"),
        "rep_hours_mean": rh.get("mean"),
        "rep_hours_max": rh.get("max"),
        "rep_hours_per_week": round(float(rh.get("mean") or 0.0) / max(weeks, 1), 2),
        "overtime_h": kpis["overtime_h"],
        "balance_pct": kpis["balance_pct"],
        "removed_reps": " ".join(removed),
        "added_reps": " ".join(added),
        "plan_dir": plan_dir,
    }


def sizing_frame(rows: list[dict]) -> pd.DataFrame:
    """The table, sorted by rep count."""
    frame = pd.DataFrame(rows, columns=SIZING_COLUMNS)
    return frame.sort_values("reps", kind="stable").reset_index(drop=True)


PANEL_TOP, PANEL_LEFT, PANEL_W, PANEL_H = 50.0, 44.0, 224.0, 180.0
"""Plot area of each 320-px-wide chart panel (pixels)."""


def _nice_max(v: float) -> float:
    """A round axis maximum at or above ``v``."""
    if v <= 0:
        return 1.0
    for mag in range(-2, 7):
        for step in (1, 2, 2.5, 5):
            top = step * 10**mag
            if top >= v:
                return float(top)
    return float(v)


def _panel(
    x0: float,
    title: str,
    counts: list[int],
    values: list[float],
    vmax: float,
    kind: str,
    unit: str,
    extra: str = "",
    whisk: list[tuple[float, float]] | None = None,
    tr: Translator | None = None,
) -> str:
    """One chart panel at ``x0``: bars or a line of ``values`` against rep counts."""
    tr = tr or translator()
    top, left, pw, ph = PANEL_TOP, PANEL_LEFT, PANEL_W, PANEL_H
    n = max(len(counts), 1)
    bw = pw / n

    def y(v: float) -> float:
        return top + ph - ph * (min(max(v, 0.0), vmax) / vmax)

    out = [
        f'<g transform="translate({x0:.0f},0)">',
        f'<text x="{left}" y="28" class="t">{esc(title)}</text>',
    ]
    for frac in (0, 0.5, 1):
        yy = y(vmax * frac)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>')
        out.append(
            f'<text x="{left - 6}" y="{yy + 4:.1f}" class="ax" text-anchor="end">'
            f"{esc(format_value(round(vmax * frac, 1)))}</text>"
        )
    pts = []
    for i, (c, v) in enumerate(zip(counts, values, strict=True)):
        cx = left + bw * (i + 0.5)
        if kind == "bar":
            out.append(
                f'<rect x="{cx - bw * 0.32:.1f}" y="{y(v):.1f}" width="{bw * 0.64:.1f}" '
                f'height="{top + ph - y(v):.1f}" class="bar"><title>'
                f"{esc(tr('{n} reps: {value}', n=c, value=f'{format_value(v)} {unit}'))}"
                "</title></rect>"
            )
        else:
            pts.append(f"{cx:.1f},{y(v):.1f}")
            if whisk:
                lo, hi = whisk[i]
                out.append(
                    f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(lo):.1f}" y2="{y(hi):.1f}" '
                    'class="whisk"/>'
                )
            out.append(
                f'<circle cx="{cx:.1f}" cy="{y(v):.1f}" r="4" class="dot"><title>'
                f"{esc(tr('{n} reps: {value}', n=c, value=f'{format_value(v)} {unit}'))}"
                "</title></circle>"
            )
        out.append(
            f'<text x="{cx:.1f}" y="{y(v) - 7:.1f}" class="val" text-anchor="middle">'
            f"{esc(format_value(v))}</text>"
        )
        out.append(
            f'<text x="{cx:.1f}" y="{top + ph + 16:.1f}" class="ax" text-anchor="middle">{c}</text>'
        )
    if pts:
        out.append(f'<polyline points="{" ".join(pts)}" class="line"/>')
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{top + ph + 34:.1f}" class="ax" '
        f'text-anchor="middle">{esc(tr("reps"))}</text>'
    )
    out.append(extra)
    out.append("</g>")
    return "".join(out)


def sizing_svg(
    frame: pd.DataFrame,
    capacity_h_per_week: float | None,
    title: str,
    tr: Translator | None = None,
) -> str:
    """The chart as a standalone SVG document (960 x 320 px, no script, no external file).

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`sizing_frame`.
    capacity_h_per_week : float or None
        Hours a rep has per week (drawn as a dashed line in the hours panel).
    title : str
        Heading (escaped here).
    tr : Translator, optional
        The labels' language (default English).
    """
    tr = tr or translator()
    counts = [int(c) for c in frame["reps"]]
    cov = [float(v) for v in frame["coverage_pct"]]
    weeks = [float(v) for v in frame["rep_hours_per_week"]]
    per_week = frame["rep_hours_per_week"].astype(float)
    mean = frame["rep_hours_mean"].astype(float).replace(0, float("nan"))
    lo = (frame["rep_hours_min"].astype(float) / mean * per_week).fillna(0).tolist()
    hi = (frame["rep_hours_max"].astype(float) / mean * per_week).fillna(0).tolist()
    tpv = [float(v) for v in frame["travel_per_visit_min"]]
    hmax = _nice_max(max([*hi, *weeks, capacity_h_per_week or 0.0, 1.0]) * 1.1)
    cap = ""
    if capacity_h_per_week:
        top, left, pw, ph = PANEL_TOP, PANEL_LEFT, PANEL_W, PANEL_H
        yy = top + ph - ph * min(capacity_h_per_week / hmax, 1.0)
        cap = (
            f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" class="cap"/>'
            f'<text x="{left + pw}" y="{yy - 5:.1f}" class="ax" text-anchor="end">'
            + esc(
                tr(
                    "time available {hours} h",
                    hours=format_value(round(capacity_h_per_week, 1)),
                )
            )
            + "</text>"
        )
    panels = [
        _panel(0, tr("Coverage of visits (%)"), counts, cov, 100.0, "bar", "%", tr=tr),
        _panel(
            320,
            tr("Hours per rep per week"),
            counts,
            weeks,
            hmax,
            "line",
            "h",
            cap,
            list(zip(lo, hi, strict=True)),
            tr=tr,
        ),
        _panel(
            640,
            tr("Travel per visit (min)"),
            counts,
            tpv,
            _nice_max(max([*tpv, 1.0]) * 1.15),
            "line",
            "min",
            tr=tr,
        ),
    ]
    style = (
        "<style>text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
        "fill:#1d2329}.t{font-size:14px;font-weight:600}.h{font-size:16px;font-weight:700}"
        ".ax{font-size:11px;fill:#55616b}.val{font-size:11px}.grid{stroke:#e3e8eb}"
        ".bar{fill:#2471a3}.line{fill:none;stroke:#2471a3;stroke-width:2.5}"
        ".dot{fill:#2471a3}.whisk{stroke:#7fa9c9;stroke-width:6;stroke-linecap:round}"
        ".cap{stroke:#b0281a;stroke-dasharray:6 4;stroke-width:1.5}</style>"
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="960" height="320" '
        'viewBox="0 0 960 320" role="img">'
        f'<title>{esc(title)}</title>{style}<rect width="960" height="320" fill="#fff"/>'
        f'<text x="10" y="20" class="h">{esc(title)}</text>'
        '<text x="10" y="312" class="ax">'
        + esc(
            tr("Hours: mean rep (dot) and least to most loaded rep (bar); dashed: time a rep has.")
        )
        + "</text>"
        f'<g transform="translate(0,14)">{"".join(panels)}</g></svg>\n'
    )


def sizing_html(
    frame: pd.DataFrame, svg: str, title: str, facts: list[str], language: str | None = None
) -> str:
    """``sizing.html``: the chart and the table (self-contained, no script), labels in
    ``language`` (default English)."""
    tr = translator(language)
    labels = column_labels(tr)
    cols = [c for c in SIZING_COLUMNS if c != "plan_dir"]
    head = "".join(f"<th>{esc(labels[c])}</th>" for c in cols)
    rows = "".join(
        f'<tr data-reps="{int(r["reps"])}">'
        + "".join(
            f'<td class="{"n" if c not in ("removed_reps", "added_reps") else ""}">'
            f"{esc(format_value(r[c]))}</td>"
            for c in cols
        )
        + "</tr>"
        for r in frame.to_dict("records")
    )
    meta = "".join(f'<p class="meta">{esc(f)}</p>' for f in facts)
    css = (
        "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
        "color:#1d2329}main{max-width:1400px;margin:0 auto;padding:12px 16px 32px}"
        "h1{font-size:1.35rem;margin:.3rem 0}"
        ".meta{color:#55616b;font-size:.9rem;margin:0 0 .5rem}"
        ".wrap{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem}"
        "th,td{padding:4px 6px;border-bottom:1px solid #e3e8eb;text-align:left}"
        "th{font-size:.8rem;vertical-align:bottom;max-width:6.5em}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f1f4f6}"
        "svg{max-width:100%;height:auto}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{tr.html_lang}"><head><meta charset="utf-8"/>'
        f"<title>{esc(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f"<style>{css}</style></head><body><main><h1>{esc(title)}</h1>{meta}"
        f'<div class="wrap">{svg}</div><div class="wrap"><table><thead><tr>{head}</tr>'
        f"</thead><tbody>{rows}</tbody></table></div></main></body></html>\n"
    )
