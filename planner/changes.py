"""What-if changes: edits a scenario makes to its inputs after they are read.

A what-if scenario usually ``extends`` a base scenario and adds a ``changes:`` block::

    changes:
      reps:
        remove: [R3]                       # a rep leaves: their customers land elsewhere
        add:                               # a rep is hired
          - {id: R5, name: New Hire, home_lat: 60.17, home_lon: 24.94}
      customers:
        add: data/acquired.csv             # more customers (same columns as the customer file)
        deactivate: [HEL0003, HEL0100]     # lost accounts (kept in the data, never planned)
        activate: [HEL0007]
        retier: {HEL0005: A, HEL0006: C}   # re-tier ids

Other what-ifs are plain overrides of the base (``tiers``, ``workday``, ``horizon``,
``travel``, ``territories.method``). Ids that do not exist are errors naming the nearest
valid id.
"""

from __future__ import annotations

import difflib

import pandas as pd

from planner.errors import InputError, Problem
from planner.io.base import NearestIds


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _best(word: str, candidates: list[str]) -> str:
    """The candidate fewest edits away (``HEL0O11`` -> ``HEL0011``, not ``HEL0114``);
    ties keep difflib's order."""
    if not candidates:
        return ""
    best = min(candidates, key=lambda c: (edit_distance(word, c), candidates.index(c)))
    return f"; did you mean '{best}'?"


def _nearest(word: str, options) -> str:
    return _best(
        str(word), difflib.get_close_matches(str(word), [str(o) for o in options], n=5, cutoff=0.5)
    )


def _nearest_id(word: str, index: NearestIds) -> str:
    return _best(str(word), index(str(word), n=5))


def apply_changes(
    scenario, customers: pd.DataFrame, reps: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Apply the scenario's ``changes:`` to the validated tables.

    Returns
    -------
    (customers, reps, warnings)

    Raises
    ------
    InputError
        Unknown rep or customer ids (with the nearest valid id), duplicate ids, an unknown
        tier, or a bad added-customers file.
    """
    from planner.io import read_customers
    from planner.units import parse_clock, parse_weekday_set

    ch = scenario.model.changes
    file = str(scenario.path)
    problems: list[Problem] = []
    warnings: list[str] = []
    customers = customers.copy()
    reps = reps.copy()
    wd = scenario.workday()

    # ---- reps
    rep_ids = list(reps["rep_id"])
    for i, rid in enumerate(ch.reps.remove):
        if rid not in rep_ids:
            problems.append(
                Problem(
                    file,
                    f"changes.reps.remove: rep '{rid}' is not in the reps "
                    f"file{_nearest(rid, rep_ids)}",
                    column=f"changes.reps.remove[{i}]",
                )
            )
    if ch.reps.remove:
        gone = set(ch.reps.remove)
        reps = reps[~reps["rep_id"].isin(gone)]
        pinned = customers["rep_id"].isin(gone)
        if pinned.any():
            warnings.append(
                f"{int(pinned.sum())} customer(s) were pinned to removed reps "
                f"({', '.join(sorted(gone))}); they are unpinned"
            )
            customers.loc[pinned, "rep_id"] = None
    new_rows: list[dict] = []
    for i, r in enumerate(ch.reps.add):
        if r.id in set(reps["rep_id"]) or r.id in {x["rep_id"] for x in new_rows}:
            problems.append(
                Problem(
                    file,
                    f"changes.reps.add: rep id '{r.id}' already exists",
                    column=f"changes.reps.add[{i}].id",
                )
            )
            continue
        try:
            days = parse_weekday_set(r.working_days)
        except ValueError as e:
            problems.append(
                Problem(
                    file,
                    f"changes.reps.add: working_days of '{r.id}': {e}",
                    column=f"changes.reps.add[{i}].working_days",
                    fix="write e.g. Mo-Fr or Mo,We,Fr",
                )
            )
            continue
        start_s = parse_clock(r.work_start) if r.work_start else wd.start_s
        end_s = parse_clock(r.work_end) if r.work_end else wd.end_s
        if end_s <= start_s or not days:
            problems.append(
                Problem(
                    file,
                    f"changes.reps.add: rep '{r.id}' has no working time "
                    "(work_end before work_start, or no working days)",
                    column=f"changes.reps.add[{i}]",
                )
            )
            continue
        new_rows.append(
            {
                "rep_id": r.id,
                "name": r.name,
                "home_lat": r.home_lat,
                "home_lon": r.home_lon,
                "start_lat": r.start_lat if r.start_lat is not None else r.home_lat,
                "start_lon": r.start_lon if r.start_lon is not None else r.home_lon,
                "work_start_s": start_s,
                "work_end_s": end_s,
                "working_days": days,
                "max_visits_per_day": r.max_visits_per_day,
                "unavailable": (),
                "source_row": 0,
            }
        )
    if new_rows:
        reps = pd.concat([reps, pd.DataFrame(new_rows)], ignore_index=True)
    reps = reps.reset_index(drop=True)
    if len(reps) == 0:
        problems.append(Problem(file, "changes leave no reps", column="changes.reps.remove"))

    # ---- customers
    for rel in ch.customers.add:
        path = scenario.resolve(rel)
        try:
            extra = read_customers(path, scenario.tier_table(), wd, set(reps["rep_id"]))
        except InputError as e:
            problems.extend(e.problems)
            continue
        dup = set(extra["customer_id"]) & set(customers["customer_id"])
        if dup:
            problems.append(
                Problem(
                    str(path),
                    f"customer ids already in the base customers: {', '.join(sorted(dup)[:10])}",
                    column="id",
                )
            )
            continue
        warnings.extend(extra.attrs.get("warnings", []))
        extra.attrs = {}
        customers = pd.concat([customers, extra], ignore_index=True)
    ids = set(customers["customer_id"])
    index = NearestIds(ids)

    def known(cid: str, key: str) -> bool:
        if cid in ids:
            return True
        problems.append(
            Problem(
                file,
                f"changes.customers.{key}: customer '{cid}' does not "
                f"exist{_nearest_id(cid, index)}",
                column=f"changes.customers.{key}",
            )
        )
        return False

    for key, value in (("deactivate", False), ("activate", True)):
        sel = [c for c in getattr(ch.customers, key) if known(c, key)]
        customers.loc[customers["customer_id"].isin(sel), "active"] = value
    tiers = scenario.tier_table()
    for cid, tier in ch.customers.retier.items():
        if not known(cid, "retier"):
            continue
        if tier not in tiers:
            problems.append(
                Problem(
                    file,
                    f"changes.customers.retier: unknown tier '{tier}' for "
                    f"'{cid}'; valid tiers: {', '.join(tiers.names())}",
                    column="changes.customers.retier",
                )
            )
            continue
        m = customers["customer_id"] == cid
        old = customers.loc[m, "tier"].iloc[0]
        customers.loc[m, "tier"] = tier
        # a service time that came from the old tier's default follows the new tier
        if old in tiers and int(customers.loc[m, "service_s"].iloc[0]) == tiers[old].service_s:
            customers.loc[m, "service_s"] = tiers[tier].service_s
    if problems:
        raise InputError(problems)
    return customers.reset_index(drop=True), reps, warnings
