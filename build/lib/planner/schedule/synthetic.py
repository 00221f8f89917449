"""Generated territories for tests and benchmarks (no files, no network).

:func:`synthetic_territory` draws customers around a rep's home with tiers, service times,
opening hours and last visits; :func:`haversine_travel` builds the documented straight-line
matrix for them (great-circle x circuity at a constant speed, as ``travel.mode: haversine``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from planner.domain import DEFAULT_TIERS, Horizon, TierTable
from planner.hours import parse_opening_hours
from planner.matrix import TravelMatrix, home_id, start_id
from planner.network.haversine import haversine_matrix

HOURS_MIX = (
    ("Mo-Fr 08:00-18:00", 0.45),
    ("Mo-Fr 09:00-17:00; Sa 09:00-13:00", 0.2),
    ("Mo-Sa 10:00-19:00", 0.15),
    ("Mo,Tu,Th,Fr 08:00-17:00", 0.1),  # closed Wednesday
    ("Mo-Fr 08:00-12:00", 0.1),  # mornings only
)


def synthetic_territory(
    n_customers: int = 130,
    seed: int = 0,
    tier_shares: tuple[float, float, float] = (0.1, 0.3, 0.6),
    radius_km: float = 12.0,
    centre: tuple[float, float] = (55.68, 12.57),
    horizon: Horizon | None = None,
    tiers: TierTable = DEFAULT_TIERS,
    last_visit_share: float = 0.7,
    rep_id: str = "R1",
    varied_hours: bool = True,
) -> tuple[pd.DataFrame, dict]:
    """A rep and ``n_customers`` customers scattered in clusters around the rep's home.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    seed : int
        Random seed (same seed, same territory).
    tier_shares : tuple of float
        Share of tiers A, B, C (the keys of ``tiers``, in order).
    radius_km : float
        Customers lie within about this distance of the centre.
    centre : (lat, lon)
        Centre of the territory (WGS84 degrees); the rep lives near it.
    horizon : Horizon, optional
        Last visits are drawn in the interval before ``horizon.start`` (default: a
        4-week horizon starting Monday 2026-01-05).
    tiers : TierTable
        Tier rules (service times, intervals).
    last_visit_share : float
        Share of customers with a known last visit.
    varied_hours : bool
        Draw opening hours from :data:`HOURS_MIX` (else every customer is open 07:00-19:00).

    Returns
    -------
    (customers, rep)
        A validated-style customer table (:data:`planner.domain.CUSTOMER_COLUMNS`) and one
        rep row (:data:`planner.domain.REP_COLUMNS`) as a dict.
    """
    rng = np.random.default_rng(seed)
    horizon = horizon or Horizon(dt.date(2026, 1, 5), 4)
    names = tiers.names()
    n_clusters = max(3, n_customers // 15)
    km_lat = 1 / 111.2
    km_lon = 1 / (111.32 * np.cos(np.radians(centre[0])))
    cl = rng.uniform(-radius_km, radius_km, size=(n_clusters, 2)) * 0.8
    which = rng.integers(0, n_clusters, size=n_customers)
    off = cl[which] + rng.normal(0, radius_km / 6, size=(n_customers, 2))
    lat = centre[0] + off[:, 0] * km_lat
    lon = centre[1] + off[:, 1] * km_lon
    shares = np.array(tier_shares[: len(names)], dtype=float)
    counts = np.floor(shares / shares.sum() * n_customers).astype(int)
    counts[-1] = n_customers - counts[:-1].sum()
    tier = np.repeat(names[: len(counts)], counts)
    rng.shuffle(tier)
    texts = [h for h, _ in HOURS_MIX]
    probs = np.array([p for _, p in HOURS_MIX])
    hours_text = (
        rng.choice(texts, size=n_customers, p=probs / probs.sum())
        if varied_hours
        else np.array(["Mo-Su 07:00-19:00"] * n_customers)
    )
    rows = []
    for i in range(n_customers):
        rule = tiers[tier[i]]
        last = None
        if rng.random() < last_visit_share:
            back = int(rng.integers(1, 7 * rule.every_weeks + 1))
            last = horizon.start - dt.timedelta(days=back)
        rows.append(
            {
                "customer_id": f"C{i + 1:04d}",
                "name": f"Customer {i + 1}",
                "lat": float(lat[i]),
                "lon": float(lon[i]),
                "tier": str(tier[i]),
                "address": "",
                "phone": "",
                "notes": "",
                "service_s": rule.service_s,
                "hours": parse_opening_hours(str(hours_text[i])),
                "last_visit": last,
                "rep_id": None,
                "territory_id": None,
                "active": True,
                "source_row": i + 2,
            }
        )
    customers = pd.DataFrame(rows)
    hl = centre[0] + rng.normal(0, radius_km / 10) * km_lat
    ho = centre[1] + rng.normal(0, radius_km / 10) * km_lon
    rep = {
        "rep_id": rep_id,
        "name": f"Rep {rep_id}",
        "home_lat": hl,
        "home_lon": ho,
        "start_lat": hl,
        "start_lon": ho,
        "work_start_s": 8 * 3600,
        "work_end_s": 16 * 3600 + 1800,
        "working_days": (0, 1, 2, 3, 4),
        "max_visits_per_day": 0,
        "unavailable": (),
        "source_row": 2,
    }
    return customers, rep


def haversine_travel(
    customers: pd.DataFrame, rep: dict, speed_kmh: float = 35.0, circuity: float = 1.3
) -> TravelMatrix:
    """Straight-line matrix for a rep's start, home and customers (``travel.mode: haversine``).

    The formula of :func:`planner.network.haversine.haversine_matrix`.
    """
    rid = str(rep["rep_id"])
    ids = (start_id(rid), home_id(rid), *map(str, customers["customer_id"]))
    lat = np.array([rep["start_lat"], rep["home_lat"], *customers["lat"]], dtype=float)
    lon = np.array([rep["start_lon"], rep["home_lon"], *customers["lon"]], dtype=float)
    travel, dist = haversine_matrix(lat, lon, speed_kmh, circuity)
    return TravelMatrix(
        ids, travel, dist, f"haversine(speed_kmh={speed_kmh:g},circuity={circuity:g})"
    )
