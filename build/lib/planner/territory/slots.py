"""Which territories there are, who owns each, and (keep mode) where customers start.

A *slot* is one territory to fill: its id, its rep (``""`` when vacant) and the travel
model point it is built around (the rep's home, or a customer for a vacant territory).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from planner.errors import InputError, Problem
from planner.matrix import home_id


@dataclass(frozen=True)
class Slot:
    """One territory: ``territory_id``, owning ``rep_id`` (``""`` = vacant), ``rep_name``
    and ``center_id`` (travel model point id the territory is built around)."""

    territory_id: str
    rep_id: str
    rep_name: str
    center_id: str


@dataclass
class Slots:
    """The territories and, per customer, the slot index it starts in (-1 = none)."""

    slots: list[Slot]
    orig: np.ndarray  # (n,) slot index of each customer's current territory, or -1
    orig_tid: list[str | None]  # (n,) current territory id as given (None = none)
    warnings: list[str]


def pinned_reps(customers: pd.DataFrame) -> np.ndarray:
    """Each customer's pinned rep id, ``""`` when not pinned."""
    if "rep_id" not in customers.columns:
        return np.full(len(customers), "", dtype=object)
    return customers["rep_id"].map(_text).to_numpy(dtype=object)


def current_territories(customers: pd.DataFrame) -> list[str | None]:
    if "territory_id" not in customers.columns:
        return [None] * len(customers)
    return [_text(v) or None for v in customers["territory_id"]]


def _text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    return str(v).strip()


def redesign_slots(
    reps: pd.DataFrame,
    count: int | None,
    pins: np.ndarray,
    rep_cost_s: np.ndarray,
    weight: np.ndarray,
    customer_ids: list[str],
    vacant_cost,
) -> Slots:
    """Territories for a fresh design: one per rep, or ``count`` of them.

    With ``count`` below the number of reps, the reps with pinned customers are kept and
    the others added greedily where they cut the weighted travel from home most. With
    ``count`` above it, vacant territories are placed greedily at the customers worst
    served so far. ``vacant_cost(customer_index)`` gives travel seconds from that
    customer to every customer.
    """
    rep_ids = reps["rep_id"].astype(str).tolist()
    names = dict(zip(rep_ids, reps["name"].astype(str), strict=True))
    n_rep = len(rep_ids)
    count = n_rep if count is None else count
    warnings: list[str] = []
    pinned_to = set(pins.tolist())
    pinned = [r for r in rep_ids if r in pinned_to]
    if count < len(pinned):
        raise InputError(
            Problem(
                "scenario",
                f"territories.count is {count} but customers are pinned to "
                f"{len(pinned)} different reps ({', '.join(pinned[:10])})",
                column="territories.count",
                fix=f"set territories.count to at least {len(pinned)}",
            )
        )
    chosen = [rep_ids.index(r) for r in pinned] if count < n_rep else list(range(n_rep))
    w = np.asarray(weight, dtype=float) + 1e-9
    while len(chosen) < min(count, n_rep):
        best = rep_cost_s[chosen].min(axis=0) if chosen else np.full(w.shape, np.inf)
        gain = [
            np.inf if i in chosen else float((np.minimum(best, rep_cost_s[i]) * w).sum())
            for i in range(n_rep)
        ]
        chosen.append(int(np.argmin(gain)))
    chosen.sort()
    slots = [
        Slot(f"T-{rep_ids[i]}", rep_ids[i], names[rep_ids[i]], home_id(rep_ids[i])) for i in chosen
    ]
    if count < n_rep:
        left = [rep_ids[i] for i in range(n_rep) if i not in chosen]
        warnings.append(
            f"territories.count is {count}, so {len(left)} of {n_rep} reps get no "
            f"territory: {', '.join(left[:20])}"
        )
    if count > n_rep:
        best = rep_cost_s.min(axis=0) if n_rep else np.full(w.shape, np.inf)
        taken: set[int] = set()
        for v in range(count - n_rep):
            score = np.where(
                np.isin(np.arange(len(w)), list(taken)), -1.0, w * np.minimum(best, 1e12)
            )
            c = int(np.argmax(score))
            taken.add(c)
            best = np.minimum(best, vacant_cost(c))
            slots.append(Slot(f"T-V{v + 1}", "", "(vacant)", customer_ids[c]))
        warnings.append(
            f"territories.count is {count} but there are {n_rep} reps: "
            f"{count - n_rep} territories have no rep (T-V1..T-V{count - n_rep})"
        )
    return Slots(slots, np.full(len(w), -1, dtype=np.int64), [None] * len(w), warnings)


def keep_slots(
    reps: pd.DataFrame,
    current: list[str | None],
    pins: np.ndarray,
    rep_cost_s: np.ndarray,
    weight: np.ndarray,
) -> Slots:
    """Territories for ``method: keep``: the existing ``territory_id`` values, each matched
    to one rep.

    Matching: a territory named ``T-<rep_id>`` or ``<rep_id>`` belongs to that rep; else
    to the rep most of its pinned customers are pinned to; the rest are matched to the
    remaining reps by least mean travel from home (Hungarian method). Existing ids are
    kept. A rep left without a territory starts an empty one ``T-<rep_id>``; a territory
    left without a rep is dissolved (its customers count as moved).
    """
    rep_ids = reps["rep_id"].astype(str).tolist()
    names = dict(zip(rep_ids, reps["name"].astype(str), strict=True))
    n = len(current)
    tids = sorted({t for t in current if t is not None})
    cur = np.array([t if t is not None else "" for t in current], dtype=object)
    owner: dict[str, str] = {}
    for t in tids:
        for r in (t.removeprefix("T-"), t):
            if r in names and r not in owner.values():
                owner[t] = r
                break
    for t in tids:
        if t in owner:
            continue
        p = pd.Series(pins[(cur == t) & (pins != "")])
        if len(p):
            r = str(p.value_counts().sort_index().idxmax())
            if r not in owner.values():
                owner[t] = r
    free_t = [t for t in tids if t not in owner]
    free_r = [r for r in rep_ids if r not in owner.values()]
    if free_t and free_r:
        w = np.asarray(weight, dtype=float) + 1e-9
        ridx = np.array([rep_ids.index(r) for r in free_r], dtype=np.int64)
        rows = []
        for t in free_t:  # weighted mean travel from each free rep's home
            mine = np.flatnonzero(cur == t)
            rows.append(rep_cost_s[np.ix_(ridx, mine)] @ w[mine] / w[mine].sum())
        cost = np.array(rows, dtype=float)
        rows, cols = linear_sum_assignment(cost)
        for i, j in zip(rows, cols, strict=True):
            owner[free_t[i]] = free_r[j]
    by_rep = {r: t for t, r in owner.items()}
    warnings = []
    slots = []
    for r in rep_ids:
        if r in by_rep:
            slots.append(Slot(by_rep[r], r, names[r], home_id(r)))
        else:
            slots.append(Slot(f"T-{r}", r, names[r], home_id(r)))
            warnings.append(f"rep {r} had no territory; a new territory T-{r} is built for them")
    dissolved = [t for t in tids if t not in owner]
    if dissolved:
        warnings.append(
            f"{len(dissolved)} existing territories have no rep left and are "
            f"shared out among the others: {', '.join(dissolved[:20])}"
        )
    index = {s.territory_id: i for i, s in enumerate(slots)}
    orig = np.array(
        [index.get(t, -1) if t is not None else -1 for t in current], dtype=np.int64
    ).reshape(n)
    return Slots(slots, orig, list(current), warnings)
