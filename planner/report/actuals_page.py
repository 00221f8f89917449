"""``completion.html``: visit completion at a glance, then the figures and the visits not done.

The page is one self-contained file without script: headline figures, one SVG chart
(completion per rep as horizontal bars, worst first, against the team's figure as a dashed
line; completion per week as columns), the completion table per rep, tier and week, and
the planned visits that were not done (top tier first). Bars are green at 90 % or more,
amber from 75 %, red below. Every piece of user text goes through
:func:`planner.maps.text.esc`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from planner.i18n import N_, Translator, translator
from planner.maps.text import esc
from planner.report.actuals import CANCELLED, MISSED, NO_REPORT
from planner.report.compare import format_value

GOOD_PCT, FAIR_PCT = 90.0, 75.0
COLORS = {"good": "#1e7b34", "fair": "#c98a00", "poor": "#b0281a", "none": "#9aa5ad"}
MAX_LISTED = 300

CSS = (
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1d2329}main{max-width:1000px;margin:0 auto;padding:12px 16px 32px}"
    "h1{font-size:1.35rem;margin:.3rem 0}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}"
    ".meta{color:#55616b;font-size:.9rem;margin:0 0 .5rem}"
    ".tiles{display:flex;flex-wrap:wrap;gap:10px;margin:.6rem 0 1rem}"
    ".tile{border:1px solid #e3e8eb;border-radius:6px;padding:8px 14px;min-width:150px}"
    ".tile b{display:block;font-size:1.7rem;line-height:1.2}.tile span{color:#55616b;"
    "font-size:.85rem}.wrap{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem}"
    "th,td{padding:4px 8px;border-bottom:1px solid #e3e8eb;text-align:left;vertical-align:top}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f1f4f6}"
    "svg{max-width:100%;height:auto}"
)


def band(pct: float | None) -> str:
    """``good`` (>= 90 %), ``fair`` (>= 75 %), ``poor`` or ``none`` (nothing planned)."""
    if pct is None or pd.isna(pct):
        return "none"
    return "good" if pct >= GOOD_PCT else "fair" if pct >= FAIR_PCT else "poor"


def _pct_text(pct: float | None) -> str:
    return "–" if pct is None or pd.isna(pct) else f"{format_value(pct)} %"


def _rep_panel(
    reps: pd.DataFrame, team_pct: float | None, names: dict[str, str], tr: Translator
) -> str:
    """Horizontal bars, worst rep first; the team's completion as a dashed line."""
    left, width, top, step = 190.0, 250.0, 44.0, 26.0
    out = [f'<text x="10" y="24" class="t">{esc(tr("Completion by rep"))}</text>']
    order = reps.assign(_k=reps["completion_pct"].fillna(1e9)).sort_values(
        ["_k", "rep_id"], kind="stable"
    )
    for i, r in enumerate(order.to_dict("records")):
        y = top + i * step
        pct = r["completion_pct"]
        w = 0.0 if pct is None or pd.isna(pct) else width * min(float(pct), 100.0) / 100.0
        label = names.get(str(r["rep_id"]), str(r["rep_id"]))
        out.append(
            f'<text x="{left - 8}" y="{y + 13:.0f}" class="lab" text-anchor="end">'
            f"{esc(label[:28])}</text>"
            f'<rect x="{left}" y="{y:.0f}" width="{width}" height="18" class="track"/>'
            f'<rect x="{left}" y="{y:.0f}" width="{w:.1f}" height="18" '
            f'fill="{COLORS[band(pct)]}" data-rep="{esc(r["rep_id"])}"><title>'
            f"{esc(label)}: {esc(_pct_text(pct))}</title></rect>"
            f'<text x="{left + width + 8}" y="{y + 13:.0f}" class="val">'
            f"{esc(_pct_text(pct))} ({r['done']}/{r['planned']})</text>"
        )
    bottom = top + max(len(order), 1) * step
    if team_pct is not None and not pd.isna(team_pct):
        x = left + width * min(float(team_pct), 100.0) / 100.0
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{bottom - 4:.0f}" class="team"/>'
            f'<text x="{x:.1f}" y="{top - 10}" class="ax" text-anchor="middle">'
            f"{esc(tr('team {pct}', pct=_pct_text(team_pct)))}</text>"
        )
    return "".join(out)


def _week_panel(weeks: pd.DataFrame, x0: float, height: float, tr: Translator) -> str:
    """One column per horizon week (blank for weeks with nothing planned yet)."""
    top, bottom = 50.0, height - 40.0
    ph = bottom - top
    n = max(len(weeks), 1)
    bw = min(70.0, 330.0 / n)
    out = [
        f'<g transform="translate({x0:.0f},0)">',
        f'<text x="0" y="24" class="t">{esc(tr("Completion by week"))}</text>',
    ]
    for frac in (0.0, 0.5, 1.0):
        y = bottom - ph * frac
        out.append(
            f'<line x1="30" x2="{30 + bw * n:.0f}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="26" y="{y + 4:.1f}" class="ax" text-anchor="end">{int(frac * 100)}</text>'
        )
    for i, r in enumerate(weeks.to_dict("records")):
        cx = 30 + bw * (i + 0.5)
        pct = r["completion_pct"]
        h = 0.0 if pct is None or pd.isna(pct) else ph * min(float(pct), 100.0) / 100.0
        start, week = r["week_start"], int(r["week"])
        day = tr.short_date(start) if isinstance(start, dt.date) else ""
        pct_text = _pct_text(pct)
        out.append(
            f'<rect x="{cx - bw * 0.35:.1f}" y="{bottom - h:.1f}" width="{bw * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{COLORS[band(pct)]}"><title>'
            f"{esc(tr('week {week}: {pct}', week=week, pct=pct_text))}</title></rect>"
            f'<text x="{cx:.1f}" y="{bottom - h - 5:.1f}" class="val" text-anchor="middle">'
            f"{esc(_pct_text(pct))}</text>"
            f'<text x="{cx:.1f}" y="{bottom + 14:.1f}" class="ax" text-anchor="middle">'
            f"{esc(tr('W{week}', week=week))}</text>"
            f'<text x="{cx:.1f}" y="{bottom + 27:.1f}" class="ax" text-anchor="middle">'
            f"{esc(day)}</text>"
        )
    out.append("</g>")
    return "".join(out)


def completion_svg(
    table: pd.DataFrame, names: dict[str, str], title: str, tr: Translator | None = None
) -> str:
    """The chart: completion per rep (left) and per week (right), 960 px wide, no script.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`planner.report.actuals.completion_table`.
    names : dict
        ``rep_id -> label`` shown for each bar (escaped here).
    title : str
        The SVG's title (escaped here).
    tr : Translator, optional
        The labels' language (default English).
    """
    tr = tr or translator()
    reps = table[table["group"] == "rep"]
    weeks = table[table["group"] == "week"]
    total = table[table["group"] == "total"].iloc[0]
    height = max(240.0, 44.0 + 26.0 * max(len(reps), 1) + 30.0)
    style = (
        "<style>text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
        "fill:#1d2329}.t{font-size:14px;font-weight:600}.lab{font-size:12px}"
        ".val{font-size:12px}.ax{font-size:11px;fill:#55616b}.grid{stroke:#e3e8eb}"
        ".track{fill:#eef1f3}.team{stroke:#1d2329;stroke-dasharray:5 4;stroke-width:1.5}</style>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="960" height="{height:.0f}" '
        f'viewBox="0 0 960 {height:.0f}" role="img"><title>{esc(title)}</title>{style}'
        f'<rect width="960" height="{height:.0f}" fill="#fff"/>'
        f"{_rep_panel(reps, total['completion_pct'], names, tr)}"
        f"{_week_panel(weeks, 590.0, height, tr)}</svg>\n"
    )


def _tiles(total: pd.Series, top_tier: str, tr: Translator) -> str:
    tiles = [
        (
            _pct_text(total["completion_pct"]),
            tr(
                "completion: {done} of {planned} planned visits done",
                done=total["done"],
                planned=total["planned"],
            ),
        ),
        (str(total["unplanned"]), tr("unplanned visits (done, not in the plan)")),
        (str(total["missed_top_tier"]), tr("{tier} visits not done", tier=top_tier)),
        (str(total["no_report"]), tr("planned visits without a report")),
        (str(total["upcoming"]), tr("visits still to come")),
    ]
    return (
        '<div class="tiles">'
        + "".join(f'<div class="tile"><b>{esc(v)}</b><span>{esc(t)}</span></div>' for v, t in tiles)
        + "</div>"
    )


def _table(frame: pd.DataFrame, columns: list[tuple[str, str]], numeric: set[str]) -> str:
    head = "".join(f"<th>{esc(label)}</th>" for _, label in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if c in numeric else ""}">{esc(_cell(r[c]))}</td>' for c, _ in columns
        )
        + "</tr>"
        for r in frame.to_dict("records")
    )
    return (
        f'<div class="wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _result_label(tr: Translator, value: str) -> str:
    """A ``plan_vs_actual`` result as people read it (the CSV keeps the codes)."""
    labels = {
        MISSED: tr("missed"),
        CANCELLED: tr("cancelled"),
        NO_REPORT: tr("no report"),
    }
    return labels.get(value, value)


def _cell(v: object) -> str:
    if isinstance(v, dt.date):
        return v.isoformat()
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return format_value(v)


FIGURES = [
    ("planned", N_("planned")),
    ("done", N_("done")),
    ("done_other_day", N_("of which another day")),
    ("missed", N_("missed")),
    ("cancelled", N_("cancelled")),
    ("no_report", N_("no report")),
    ("completion_pct", N_("completion %")),
    ("unplanned", N_("unplanned")),
    ("visit_rate_pct", N_("actual / planned %")),
    ("missed_top_tier", N_("top tier not done")),
    ("upcoming", N_("upcoming")),
]


def figures(tr: Translator) -> list[tuple[str, str]]:
    """``(column, label)`` of the completion figures, in ``tr``'s language."""
    return [(c, tr(label)) for c, label in FIGURES]


def _legend(tr: Translator) -> str:
    return tr(
        "Bars: green 90 % or more, amber 75-90 %, red below 75 %. Completion = planned "
        "visits done (on the day or another day) / planned visits up to the as-of date."
    )


def completion_html(
    table: pd.DataFrame,
    pva: pd.DataFrame,
    names: dict[str, str],
    title: str,
    facts: list[str],
    top_tier: str,
    language: str | None = None,
) -> str:
    """``completion.html``: tiles, chart, tables (self-contained, no script).

    Parameters
    ----------
    table, pva : pandas.DataFrame
        :func:`~planner.report.actuals.completion_table` and
        :func:`~planner.report.actuals.plan_vs_actual` (dates as ``datetime.date``).
    names : dict
        ``rep_id -> label`` (e.g. ``Aino Virtanen (R1)``).
    title : str
    facts : list of str
        Lines under the title (plan, horizon, as-of date, log files).
    top_tier : str
        The tier counted in ``missed_top_tier`` (A by default).
    language : str, optional
        ``en`` (default) or ``zh``: every label of the page.
    """
    tr = translator(language)
    fig = figures(tr)
    total = table[table["group"] == "total"].iloc[0]
    numeric = {c for c, _ in fig} | {"week"}
    reps = table[table["group"] == "rep"].assign(
        rep_id=lambda f: f["rep_id"].map(lambda r: names.get(str(r), str(r)))
    )
    not_done = pva[pva["result"].isin([MISSED, CANCELLED, NO_REPORT])].copy()
    not_done["_top"] = (not_done["tier"] != top_tier).astype(int)
    not_done = not_done.sort_values(["_top", "planned_date", "rep_id"], kind="stable")
    not_done["result"] = not_done["result"].map(lambda v: _result_label(tr, str(v)))
    shown = not_done.head(MAX_LISTED)
    more = len(not_done) - len(shown)
    listing = _table(
        shown,
        [
            ("result", tr("result")),
            ("tier", tr("tier")),
            ("rep_id", tr("rep")),
            ("customer_id", tr("customer")),
            ("customer_name", tr("name")),
            ("planned_date", tr("planned")),
            ("notes", tr("notes")),
        ],
        set(),
    )
    parts = [
        f'<!DOCTYPE html>\n<html lang="{tr.html_lang}"><head><meta charset="utf-8"/>',
        f"<title>{esc(title)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<style>{CSS}</style></head><body><main><h1>{esc(title)}</h1>",
        "".join(f'<p class="meta">{esc(f)}</p>' for f in facts),
        _tiles(total, top_tier, tr),
        f'<div class="wrap">{completion_svg(table, names, title, tr)}</div>',
        f'<p class="meta">{esc(_legend(tr))}</p>',
        f"<h2>{esc(tr('By rep'))}</h2>",
        _table(reps, [("rep_id", tr("rep")), *fig], numeric),
        f"<h2>{esc(tr('By tier'))}</h2>",
        _table(table[table["group"] == "tier"], [("tier", tr("tier")), *fig], numeric),
        f"<h2>{esc(tr('By week'))}</h2>",
        _table(
            table[table["group"] == "week"],
            [("week", tr("week")), ("week_start", tr("from")), *fig],
            numeric,
        ),
        f"<h2>{esc(tr('Planned visits not done ({n})', n=len(not_done)))}</h2>",
        listing,
        (
            f'<p class="meta">{esc(tr("and {n} more in plan_vs_actual.csv", n=more))}</p>'
            if more > 0
            else ""
        ),
        "</main></body></html>\n",
    ]
    return "".join(parts)
