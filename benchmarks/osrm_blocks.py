"""OSRM table requests by block size: CPU of osrm-routed and of the client, and wall time,
for one n x n matrix asked as requests of ``block`` points a side.

    .venv/bin/python benchmarks/osrm_blocks.py /tmp/porto/osrm-data/porto_portugal.osrm \\
        [--n 2000] [--blocks 2000,1000,500] [--bbox 41.13,-8.68,41.19,-8.57]

The dataset comes from ``planner prepare-osrm`` (or ``network_bench.py --case osrm``).
Random points in the bounding box (seeded); the figures printed are Markdown rows.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import psutil

from planner.network import osrm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--blocks", default="2000,1000,500")
    ap.add_argument("--bbox", default="41.13,-8.68,41.19,-8.57")
    args = ap.parse_args()
    lat0, lon0, lat1, lon1 = (float(x) for x in args.bbox.split(","))
    blocks = [int(b) for b in args.blocks.split(",")]
    osrm.BLOCK = max(blocks)  # the server's --max-table-size
    server = osrm.OsrmServer(args.dataset)
    proc, me = psutil.Process(server.proc.pid), psutil.Process()
    rng = np.random.default_rng(0)
    n = args.n
    lat, lon = rng.uniform(lat0, lat1, n), rng.uniform(lon0, lon1, n)
    coords = ";".join(f"{lon[i]:.6f},{lat[i]:.6f}" for i in range(n))
    print("| annotations | block | server CPU s | client CPU s | wall s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    try:
        for ann in ("duration,distance", "duration"):
            for block in blocks:
                c0, m0 = sum(proc.cpu_times()[:2]), sum(me.cpu_times()[:2])
                t0 = time.perf_counter()
                for i in range(0, n, block):
                    for j in range(0, n, block):
                        src = ";".join(map(str, range(i, min(i + block, n))))
                        dst = ";".join(map(str, range(j, min(j + block, n))))
                        url = (
                            f"{server.url}/table/v1/driving/{coords}?sources={src}"
                            f"&destinations={dst}&annotations={ann}"
                        )
                        with osrm._DIRECT.open(url, timeout=900) as r:
                            json.loads(r.read())
                wall = time.perf_counter() - t0
                c1, m1 = sum(proc.cpu_times()[:2]), sum(me.cpu_times()[:2])
                print(f"| {ann} | {block} | {c1 - c0:.2f} | {m1 - m0:.2f} | {wall:.1f} |")
    finally:
        server.close()


if __name__ == "__main__":
    main()
