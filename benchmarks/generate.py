"""Seeded synthetic instances: clustered towns plus rural customers, tiers A/B/C, reps.

Importable (``from benchmarks.generate import generate_instance``, or put ``benchmarks/``
on ``sys.path``) and runnable::

    python benchmarks/generate.py --customers 5000 --reps 25 --seed 1 --out /tmp/inst

which writes ``customers.csv``, ``reps.csv`` and ``scenario.yaml`` that ``planner``
reads (haversine travel, so no OSM data is needed).

The region is a square of ``25 km * sqrt(reps)`` a side (about 625 km2 per rep, a
rural sales territory). ``rural_share`` of the customers are spread uniformly; the rest
live in towns whose sizes follow a Zipf law (one big city, many villages), each a 2-D
normal around the town centre with a radius growing with the town's size. Tiers are
drawn with probabilities 10/30/60 % (A weekly 45 min, B fortnightly 30 min, C every 4
weeks 20 min). Reps live in towns (the bigger towns first, at most one rep per town
until every town has one), 0-2 km from the centre; with ``homes="customers"`` each
home is near a randomly drawn customer instead, so homes are as dense as the work.

The *national* instance (:func:`national_instance`, ``--national``) is the one issue 13
and issue 14 measure: 40,000 customers in towns plus countryside over 240 x 240 km,
200 reps living in the towns (seed 1), optionally with part-timers (``--part-timers``:
20 % of the reps work 3 or 4 days a week). ``--national --customers 4000 --reps 20``
scales it down (same density of customers and reps: the side shrinks with
``sqrt(reps)``) for quick iterations.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.domain import DEFAULT_TIERS, TierTable, Workday
from planner.hours import parse_opening_hours

KM_PER_DEG_LAT = 111.195
TIER_SHARES = (("A", 0.10), ("B", 0.30), ("C", 0.60))
OPENING_HOURS = "Mo-Fr 08:00-18:00; Sa 09:00-13:00"


@dataclass
class Instance:
    """A generated instance in the shape of the validated tables.

    Attributes
    ----------
    customers : pandas.DataFrame
        :data:`planner.domain.CUSTOMER_COLUMNS` (plus ``revenue``, text, as a CRM export
        would carry it).
    reps : pandas.DataFrame
        :data:`planner.domain.REP_COLUMNS`.
    tiers : TierTable
    workday : Workday
    seed : int
    """

    customers: pd.DataFrame
    reps: pd.DataFrame
    tiers: TierTable
    workday: Workday
    seed: int

    def points(self) -> pd.DataFrame:
        """``point_id, lat, lon`` of customers and rep homes/starts (for the travel model)."""
        c, r = self.customers, self.reps
        return pd.concat(
            [
                pd.DataFrame({"point_id": c["customer_id"], "lat": c["lat"], "lon": c["lon"]}),
                pd.DataFrame(
                    {"point_id": "home:" + r["rep_id"], "lat": r["home_lat"], "lon": r["home_lon"]}
                ),
                pd.DataFrame(
                    {
                        "point_id": "start:" + r["rep_id"],
                        "lat": r["start_lat"],
                        "lon": r["start_lon"],
                    }
                ),
            ],
            ignore_index=True,
        )


def generate_instance(
    n_customers: int,
    n_reps: int,
    seed: int = 0,
    *,
    center_lat: float = 56.0,
    center_lon: float = 9.5,
    side_km: float | None = None,
    n_towns: int | None = None,
    rural_share: float = 0.25,
    homes: str = "towns",
    part_time_share: float = 0.0,
) -> Instance:
    """A seeded instance of ``n_customers`` customers and ``n_reps`` reps.

    Parameters
    ----------
    n_customers, n_reps : int
        Sizes.
    seed : int
        Same seed, same instance.
    center_lat, center_lon : float
        Centre of the region, WGS84 degrees (default: central Jutland).
    side_km : float, optional
        Side of the square region; default ``25 * sqrt(n_reps)``.
    n_towns : int, optional
        Number of towns; default ``max(3, 3 * n_reps)``.
    rural_share : float
        Share of customers spread uniformly outside towns.
    homes : {"towns", "customers"}
        ``towns`` (default): one rep per town, bigger towns first, so a big city holding
        many territories' worth of customers may have one rep living there. ``customers``:
        each home 0-2 km from a customer drawn at random, so homes are as dense as the
        work (the instances of the default stay the same either way).
    part_time_share : float
        Share of the reps (drawn at random, seeded) who work 3 or 4 days a week
        (Monday-Thursday, or Monday, Wednesday and Friday); 0 leaves everybody on
        Monday-Friday and the instance exactly as without the option.
    """
    if homes not in ("towns", "customers"):
        raise ValueError(f"homes must be 'towns' or 'customers', got {homes!r}")
    rng = np.random.default_rng(seed)
    side_km = 25.0 * np.sqrt(n_reps) if side_km is None else side_km
    n_towns = max(3, 3 * n_reps) if n_towns is None else n_towns
    half = side_km / 2
    towns = rng.uniform(-0.9 * half, 0.9 * half, (n_towns, 2))
    size = 1.0 / np.arange(1, n_towns + 1) ** 1.1  # Zipf: town 0 is the city
    size /= size.sum()
    radius_km = 0.6 + 4.0 * np.sqrt(size / size[0])
    n_rural = round(rural_share * n_customers)
    n_town = n_customers - n_rural
    town_of = rng.choice(n_towns, size=n_town, p=size)
    xy_town = towns[town_of] + rng.normal(0.0, 1.0, (n_town, 2)) * radius_km[town_of, None]
    xy_rural = rng.uniform(-half, half, (n_rural, 2))
    xy = np.clip(np.concatenate([xy_town, xy_rural]), -half, half)
    xy = xy[rng.permutation(n_customers)]
    lat, lon = _to_latlon(xy, center_lat, center_lon)
    names, shares = zip(*TIER_SHARES, strict=True)
    tier = rng.choice(np.array(names), size=n_customers, p=np.array(shares))
    tiers = DEFAULT_TIERS
    hours = parse_opening_hours(OPENING_HOURS)
    width = len(str(n_customers))
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i + 1:0{width}d}" for i in range(n_customers)],
            "name": [f"Customer {i + 1}" for i in range(n_customers)],
            "lat": np.round(lat, 6),
            "lon": np.round(lon, 6),
            "tier": tier,
            "address": "",
            "phone": "",
            "notes": "",
            "service_s": [tiers[t].service_s for t in tier],
            "hours": [hours] * n_customers,
            "last_visit": [None] * n_customers,
            "rep_id": [None] * n_customers,
            "territory_id": [None] * n_customers,
            "active": True,
            "source_row": np.arange(2, n_customers + 2),
            "revenue": [f"{v:.0f}" for v in rng.lognormal(9.0, 0.8, n_customers)],
        }
    )
    home_town = np.concatenate(
        [np.arange(min(n_reps, n_towns)), rng.choice(n_towns, max(0, n_reps - n_towns), p=size)]
    )
    angle = rng.uniform(0, 2 * np.pi, n_reps)
    dist = rng.uniform(0, 2.0, n_reps)
    if homes == "towns":
        base_xy = towns[home_town]
    else:
        base_xy = xy[rng.choice(n_customers, n_reps, replace=n_reps > n_customers)]
    hxy = base_xy + np.column_stack([np.cos(angle), np.sin(angle)]) * dist[:, None]
    hlat, hlon = _to_latlon(hxy, center_lat, center_lon)
    workday = Workday()
    rwidth = len(str(n_reps))
    reps = pd.DataFrame(
        {
            "rep_id": [f"R{i + 1:0{rwidth}d}" for i in range(n_reps)],
            "name": [f"Rep {i + 1}" for i in range(n_reps)],
            "home_lat": np.round(hlat, 6),
            "home_lon": np.round(hlon, 6),
            "start_lat": np.round(hlat, 6),
            "start_lon": np.round(hlon, 6),
            "work_start_s": workday.start_s,
            "work_end_s": workday.end_s,
            "working_days": _working_days(n_reps, part_time_share, seed),
            "max_visits_per_day": 0,
            "unavailable": [()] * n_reps,
            "source_row": np.arange(2, n_reps + 2),
        }
    )
    return Instance(customers, reps, tiers, workday, seed)


def _working_days(n_reps: int, share: float, seed: int) -> list[tuple[int, ...]]:
    """Mo-Fr for everybody, except ``share`` of the reps on Mo-Th or Mo, We, Fr.

    A separate random stream (``seed`` + 1,000,003), so the rest of the instance does
    not depend on ``share``.
    """
    days: list[tuple[int, ...]] = [(0, 1, 2, 3, 4)] * n_reps
    n_part = int(round(share * n_reps))
    if n_part:
        rng = np.random.default_rng(seed + 1_000_003)
        for i, four in zip(
            sorted(rng.choice(n_reps, n_part, replace=False)),
            rng.integers(0, 2, n_part).astype(bool),
            strict=True,
        ):
            days[int(i)] = (0, 1, 2, 3) if four else (0, 2, 4)
    return days


NATIONAL_CUSTOMERS = 40_000
NATIONAL_REPS = 200
NATIONAL_SIDE_KM = 240.0
NATIONAL_SEED = 1


def national_instance(
    n_customers: int = NATIONAL_CUSTOMERS,
    n_reps: int = NATIONAL_REPS,
    seed: int = NATIONAL_SEED,
    *,
    part_timers: bool = False,
) -> Instance:
    """The national benchmark instance (issues 13 and 14): towns plus countryside over
    240 x 240 km, reps living in the towns (the bigger towns first), haversine travel.

    Smaller sizes keep the density of customers and reps of the full instance: the side
    is ``240 km * sqrt(n_reps / 200)``. ``part_timers`` puts 20 % of the reps on 3 or 4
    days a week.
    """
    side = NATIONAL_SIDE_KM * float(np.sqrt(n_reps / NATIONAL_REPS))
    return generate_instance(
        n_customers,
        n_reps,
        seed,
        side_km=side,
        homes="towns",
        part_time_share=0.2 if part_timers else 0.0,
    )


def _to_latlon(xy_km: np.ndarray, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    lat = lat0 + xy_km[:, 1] / KM_PER_DEG_LAT
    lon = lon0 + xy_km[:, 0] / (KM_PER_DEG_LAT * np.cos(np.radians(lat0)))
    return lat, lon


def write_instance(
    inst: Instance,
    out: Path,
    *,
    horizon_start: dt.date = dt.date(2026, 11, 30),
    weeks: int = 4,
    territories: dict | None = None,
) -> Path:
    """Write ``customers.csv``, ``reps.csv`` and ``scenario.yaml`` into ``out``.

    Returns the scenario path. ``territories`` overrides the scenario's
    ``territories:`` section.
    """
    import yaml

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    c = inst.customers
    pd.DataFrame(
        {
            "id": c["customer_id"],
            "name": c["name"],
            "lat": c["lat"],
            "lon": c["lon"],
            "tier": c["tier"],
            "opening_hours": OPENING_HOURS,
            "rep_id": c["rep_id"].fillna(""),
            "territory_id": c["territory_id"].fillna(""),
            "revenue": c["revenue"],
        }
    ).to_csv(out / "customers.csv", index=False, lineterminator="\n")
    r = inst.reps
    from planner.units import format_weekday_set

    pd.DataFrame(
        {
            "id": r["rep_id"],
            "name": r["name"],
            "home_lat": r["home_lat"],
            "home_lon": r["home_lon"],
            "working_days": [format_weekday_set(tuple(d)) for d in r["working_days"]],
        }
    ).to_csv(out / "reps.csv", index=False, lineterminator="\n")
    scenario = {
        "name": f"synthetic {len(c)} customers / {len(r)} reps (seed {inst.seed})",
        "customers": "customers.csv",
        "reps": "reps.csv",
        "horizon": {"start": horizon_start.isoformat(), "weeks": weeks},
        "travel": {"mode": "haversine"},
        "territories": territories or {"method": "redesign", "balance": "workload"},
        "seed": inst.seed,
    }
    path = out / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=None, help="default 1000 (national 40000)")
    ap.add_argument("--reps", type=int, default=None, help="default 5 (national 200)")
    ap.add_argument("--seed", type=int, default=None, help="default 0 (national 1)")
    ap.add_argument("--national", action="store_true", help="the national instance (issue 13)")
    ap.add_argument("--part-timers", action="store_true", help="20 %% of reps on 3 or 4 days")
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    if a.national:
        inst = national_instance(
            a.customers or NATIONAL_CUSTOMERS,
            a.reps or NATIONAL_REPS,
            NATIONAL_SEED if a.seed is None else a.seed,
            part_timers=a.part_timers,
        )
    else:
        inst = generate_instance(
            a.customers or 1000,
            a.reps or 5,
            a.seed or 0,
            part_time_share=0.2 if a.part_timers else 0.0,
        )
    print(write_instance(inst, a.out, weeks=a.weeks))


if __name__ == "__main__":
    main()
