"""Folium maps of a plan: the planner's overview and each rep's morning map.

:func:`render_maps` writes, under ``out_dir``:

- ``index.html``: territories coloured per rep (workload in the tooltip), customers
  coloured by tier (clustered when many), rep homes, a legend, one toggleable layer
  per rep and a table of reps linking to their days;
- ``<rep>/index.html``: the rep's days and unscheduled visits;
- ``<rep>/<YYYY-MM-DD>.html``: numbered stops in visiting order, the route line, popups
  with contact details and navigation links, and an itinerary with the day's totals;
- ``_static/``: Leaflet and markercluster (pages never use a CDN; see
  ``MapParams.inline_assets`` for self-contained pages).

Only this package imports folium, and it reads nothing but a
:class:`~planner.plan.Plan` (layer 3 of docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from planner.files import replace_dir, write_text
from planner.maps.elements import copy_static
from planner.maps.layers import (
    customers_layer,
    day_route_layer,
    homes_layer,
    legend_layer,
    territory_layer,
)
from planner.maps.pages import day_page, overview_page, rep_page
from planner.maps.params import DEFAULT_PARAMS, MapParams, MapsResult
from planner.maps.view import view_of
from planner.plan import Plan

__all__ = [
    "MapParams",
    "MapsResult",
    "customers_layer",
    "day_route_layer",
    "homes_layer",
    "legend_layer",
    "render_maps",
    "render_plan_dir",
    "replace_maps",
    "territory_layer",
]

MANIFEST = "_maps.json"


def render_maps(plan: Plan, out_dir: str | Path, params: MapParams = DEFAULT_PARAMS) -> MapsResult:
    """Write the overview, one page per rep and one page per rep-day.

    Parameters
    ----------
    plan : Plan
        A plan, fresh from the pipeline or read back with :meth:`Plan.from_dir`.
    out_dir : str or Path
        Folder for the HTML (created if needed), usually ``<plan dir>/maps``.
    params : MapParams
        Tiles, title, clustering threshold, inlined assets.

    Returns
    -------
    MapsResult
        Paths of every page written, and the folder name used for each rep.

    Notes
    -----
    Every file is written atomically. Pages a previous run wrote that this plan no
    longer has (a rep or day removed) are deleted; nothing else in ``out_dir`` is
    touched. The same plan and params give byte-identical files.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    view = view_of(plan, params.language, params.navigation)
    if not params.inline_assets:
        copy_static(out)
    index = write_text(out / "index.html", overview_page(view, params, "_static/"))
    result = MapsResult(index_path=index, rep_dirs={r.rep_id: r.slug for r in view.reps.values()})
    for rep_id, rep in view.reps.items():
        result.rep_pages[rep_id] = write_text(
            out / rep.slug / "index.html", rep_page(view, rep_id, params)
        )
        days = view.rep_days.get(rep_id, [])
        for i, day in enumerate(days):
            html = day_page(
                view,
                rep_id,
                day,
                params,
                prev_day=days[i - 1] if i > 0 else None,
                next_day=days[i + 1] if i + 1 < len(days) else None,
            )
            result.day_pages[(rep_id, day)] = write_text(
                out / rep.slug / f"{day.isoformat()}.html", html
            )
    _replace_manifest(out, result)
    return result


def render_plan_dir(
    plan_dir: str | Path, out_dir: str | Path | None = None, params: MapParams = DEFAULT_PARAMS
) -> MapsResult:
    """Re-render the maps of a plan directory without re-planning (``planner maps DIR``).

    The maps folder is replaced as a whole (:func:`planner.files.replace_dir`): the pages
    are written into a sibling temporary folder swapped in at the end, so an interrupted
    run leaves the earlier maps intact.

    Parameters
    ----------
    plan_dir : str or Path
        A directory written by :meth:`Plan.to_dir` (also after a manual edit).
    out_dir : str or Path or None
        Where to write; ``<plan_dir>/maps`` by default. Must be new, empty or an earlier
        maps folder.
    params : MapParams

    Raises
    ------
    planner.errors.InputError
        ``plan_dir`` is not a plan directory, or ``out_dir`` cannot be written.
    """
    plan_dir = Path(plan_dir)
    plan = Plan.from_dir(plan_dir)
    out = Path(out_dir) if out_dir is not None else plan_dir / "maps"
    return replace_maps(plan, out, params)


def replace_maps(plan: Plan, out: str | Path, params: MapParams = DEFAULT_PARAMS) -> MapsResult:
    """:func:`render_maps` into ``out``, replacing the folder as a whole: the pages are
    written into a sibling temporary folder swapped in at the end, so an interrupted run
    leaves the earlier maps intact. ``out`` must be new, empty or an earlier maps folder
    (:class:`~planner.errors.InputError` otherwise)."""
    out = Path(out)
    with replace_dir(out, replaceable=is_maps_dir, what="maps folder") as tmp:
        res = render_maps(plan, tmp, params)
    return _moved(res, tmp, out)


def is_maps_dir(path: Path) -> bool:
    """A folder :func:`render_maps` wrote (it holds ``_maps.json`` or ``index.html``)."""
    return (path / MANIFEST).is_file() or (path / "index.html").is_file()


def _moved(res: MapsResult, old: Path, new: Path) -> MapsResult:
    """``res`` with its paths under ``new`` instead of ``old``."""

    def move(p: Path) -> Path:
        return new / p.relative_to(old)

    return MapsResult(
        index_path=move(res.index_path),
        rep_pages={k: move(v) for k, v in res.rep_pages.items()},
        day_pages={k: move(v) for k, v in res.day_pages.items()},
        rep_dirs=dict(res.rep_dirs),
    )


def _replace_manifest(out: Path, result: MapsResult) -> None:
    """Record the pages written; delete pages of the previous run that are gone now."""
    pages = [result.index_path, *result.rep_pages.values(), *result.day_pages.values()]
    now = sorted(p.relative_to(out).as_posix() for p in pages)
    old: list[str] = []
    with contextlib.suppress(OSError, ValueError, TypeError):
        old = list(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["pages"])
    root = out.resolve()
    for rel in sorted(set(old) - set(now)):
        if not isinstance(rel, str):
            continue
        path = out / rel
        # only pages inside this folder: never an absolute path or one leaving it
        if Path(rel).is_absolute() or ".." in Path(rel).parts or path.suffix != ".html":
            continue
        if root not in path.resolve().parents:
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            if not any(path.parent.iterdir()) and path.parent != out:
                path.parent.rmdir()
    write_text(out / MANIFEST, json.dumps({"pages": now}, indent=1) + "\n")
