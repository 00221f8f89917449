"""Travel times from OSRM (``travel.engine: osrm``): for road networks too large for the
per-plan Dijkstra of :mod:`planner.network.shortest` (a country instead of a city).

``travel.network`` names either

- a dataset prepared from an OSM file (:func:`prepare_osrm`, or ``planner prepare-osrm``):
  the ``<name>.osrm`` base path that ``osrm-extract`` wrote (with ``.osrm.hsgr`` after
  ``osrm-contract``: contraction hierarchies; or ``.osrm.partition`` / ``.osrm.cells``
  after ``osrm-partition`` + ``osrm-customize``: multi-level Dijkstra). The planner starts
  ``osrm-routed`` on it, on 127.0.0.1 and a free port, for as long as the model lives;
- or the ``http://host:port`` address of an ``osrm-routed`` that already runs (a shared
  server for a whole team).

Times and distances follow the road model's conventions (docs/travel.md): OSRM's fastest
path between the two points' snapped road positions, plus the snap legs covered on foot
at ``snap_speed_kmh``, rounded to whole seconds and metres; points less than 1 m apart
are 0 s apart. Speeds come from the OSRM profile the dataset was prepared with (stock
``car.lua`` for ``drive``: the same speed table and ``maxspeed`` rule as the scipy
engine, plus turn and traffic-signal penalties). Pairs with no road path between them
(an island without a ferry in the data) get :data:`UNREACHABLE_S` and a warning.

The binaries (``osrm-extract``, ``osrm-contract``, ``osrm-routed`` ...) come from PyPI's
``osrm-bindings`` (Python >= 3.12) or ``scripts/ensure-osrm`` (older Pythons: the
binaries of the same wheel); see :func:`osrm_binary` for where they are looked for.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import NetworkError
from planner.matrix import TravelMatrix
from planner.network.model import TravelModel, describe_point, drop_repeats
from planner.network.params import TravelParams
from planner.network.road import (
    WRONG_NETWORK_SHARE,
    door_to_door,
    far_point_warnings,
    format_m,
)

UNREACHABLE_S = 7 * 86_400  # a week: never combined into one day
#: Points per table request side (a request carries at most 2 x BLOCK points). Large:
#: OSRM's many-to-many search costs about one search per source and per destination of a
#: request, so a 2,000 x 2,000 matrix in one request instead of 16 of 500 x 500 takes
#: about half the server CPU (docs/benchmarks/scale.md).
BLOCK = 2000
#: A matrix of at least :data:`SPLIT_CELLS` cells is fetched as this many row blocks
#: (fixed, so every machine sends the same requests), requested side by side on up to
#: as many threads as cores: osrm-routed answers each on its own thread. Each block
#: repeats the destinations' searches, but the blocks run at once (Porto 2,000 x 2,000
#: on 2 cores: 3.7-5.1 s -> 2.7-4.0 s, docs/benchmarks/scale.md).
ROW_BLOCKS = 2
SPLIT_CELLS = 250_000
START_TIMEOUT_S = 120.0
PROFILES = {"drive": "car", "bike": "bicycle", "walk": "foot"}
BIN_ENV = "PLANNER_OSRM_BIN"


def _row_block(n_rows: int, n_cols: int) -> int:
    """Rows per table request: :data:`BLOCK`, or fewer so that a large matrix is
    fetched in at least :data:`ROW_BLOCKS` requests side by side."""
    if n_rows * n_cols < SPLIT_CELLS:
        return max(1, min(BLOCK, n_rows))
    return max(1, min(BLOCK, -(-n_rows // ROW_BLOCKS)))


def osrm_binary(name: str) -> Path:
    """Path of an OSRM executable (``osrm-routed``, ``osrm-extract`` ...).

    Looked for in ``$PLANNER_OSRM_BIN`` (a folder), the ``osrm`` package of
    ``osrm-bindings``, the folder of this Python (a venv's ``bin``, where
    ``scripts/ensure-osrm`` links them), then ``PATH``.

    Raises
    ------
    NetworkError
        Not found, with how to install it.
    """
    folders = []
    if os.environ.get(BIN_ENV):
        folders.append(Path(os.environ[BIN_ENV]))
    spec = importlib.util.find_spec("osrm")  # finds the package without importing it
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent / "bin")
    folders.append(Path(sys.executable).parent)
    for folder in folders:
        if (folder / name).is_file() and os.access(folder / name, os.X_OK):
            return folder / name
    found = shutil.which(name)
    if found:
        return Path(found)
    raise NetworkError(
        f"{name} not found: travel.engine 'osrm' needs OSRM's binaries. Install them with "
        "'pip install osrm-bindings' (Python >= 3.12) or 'scripts/ensure-osrm' (takes them "
        f"from that wheel), put them on PATH, or set {BIN_ENV} to their folder"
    )


def osrm_profile(network_type: str) -> Path:
    """The stock OSRM profile (``car.lua``, ``bicycle.lua``, ``foot.lua``) shipped beside
    the binaries."""
    exe = osrm_binary("osrm-extract").resolve()
    path = exe.parent.parent / "share" / "profiles" / f"{PROFILES[network_type]}.lua"
    if not path.exists():
        raise NetworkError(f"OSRM profile {path.name} not found beside {exe}: give profile=")
    return path


def _run(cmd: list, what: str) -> None:
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-5:])
        raise NetworkError(f"{what} failed (exit {res.returncode}): {tail}")


def prepare_osrm(
    osm: Path,
    out_dir: Path,
    network_type: str = "drive",
    algorithm: str = "ch",
    profile: Path | None = None,
    threads: int = 0,
) -> Path:
    """Prepare an OSRM dataset from an OSM file (``.osm.pbf``, ``.osm``, ``.osm.bz2``).

    Runs ``osrm-extract`` with the profile of ``network_type``, then ``osrm-contract``
    (``algorithm="ch"``, fastest tables) or ``osrm-partition`` + ``osrm-customize``
    (``"mld"``). The OSM file is linked (or copied) into ``out_dir`` first, because OSRM
    writes its files beside its input.

    Returns
    -------
    pathlib.Path
        The dataset's ``<out_dir>/<name>.osrm`` base path: what ``travel.network`` names.

    Raises
    ------
    NetworkError
        Missing file or binaries, or an OSRM step failed (its last lines quoted).
    """
    osm = Path(osm)
    if not osm.is_file():
        raise NetworkError(f"OSM file not found: {osm}")
    if algorithm not in ("ch", "mld"):
        raise NetworkError(f"algorithm must be 'ch' or 'mld', not '{algorithm}'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    local = out_dir / osm.name
    if local.resolve() != osm.resolve():
        local.unlink(missing_ok=True)
        try:
            local.symlink_to(osm.resolve())
        except OSError:
            shutil.copy(osm, local)
    stem = osm.name
    for suffix in (".osm.pbf", ".osm.bz2", ".osm.gz", ".osm", ".pbf"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    base = out_dir / f"{stem}.osrm"
    t = str(threads or os.cpu_count() or 1)
    prof = profile or osrm_profile(network_type)
    _run([osrm_binary("osrm-extract"), "-p", prof, "-t", t, local], "osrm-extract")
    if algorithm == "ch":
        _run([osrm_binary("osrm-contract"), "-t", t, base], "osrm-contract")
    else:
        _run([osrm_binary("osrm-partition"), "-t", t, base], "osrm-partition")
        _run([osrm_binary("osrm-customize"), "-t", t, base], "osrm-customize")
    return base


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen, log) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    log.close()


def dataset_algorithm(base: Path) -> str:
    """``ch`` or ``mld`` from the files a prepared dataset has.

    Raises
    ------
    NetworkError
        ``base`` is not a prepared dataset (with how to prepare one).
    """
    if Path(f"{base}.hsgr").exists():
        return "ch"
    if Path(f"{base}.partition").exists() and Path(f"{base}.cells").exists():
        return "mld"
    raise NetworkError(
        f"{base} is not a prepared OSRM dataset (no {Path(base).name}.hsgr or .partition): "
        f"run 'planner prepare-osrm AREA.osm.pbf --out {Path(base).parent}'"
    )


class OsrmServer:
    """An ``osrm-routed`` on 127.0.0.1 serving a prepared dataset, stopped when this
    object is garbage collected, closed or the interpreter exits."""

    def __init__(self, base: Path, timeout_s: float = START_TIMEOUT_S) -> None:
        algorithm = dataset_algorithm(base)
        exe = osrm_binary("osrm-routed")
        last = ""
        for _ in range(3):  # the free port may be taken meanwhile: try another
            port = _free_port()
            cmd = [exe, "--algorithm", algorithm, "--ip", "127.0.0.1", "--port", str(port)]
            cmd += ["--max-table-size", str(2 * BLOCK), "--max-viaroute-size", "10000", base]
            log = tempfile.TemporaryFile()  # a pipe could fill up and block the server
            self.proc = subprocess.Popen(
                [str(c) for c in cmd], stdout=log, stderr=subprocess.STDOUT
            )
            self._finalizer = weakref.finalize(self, _stop, self.proc, log)
            self.url = f"http://127.0.0.1:{port}"
            if self._wait(timeout_s):
                return
            log.seek(0)
            last = log.read()[-500:].decode("utf-8", "replace")
            self.close()
        raise NetworkError(f"osrm-routed did not start on {base}: {last.strip()}")

    def _wait(self, timeout_s: float) -> bool:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            try:
                with _DIRECT.open(f"{self.url}/nearest/v1/driving/0,0", timeout=5):
                    return True
            except urllib.error.HTTPError:
                return True  # it answers (a 400 for a point off the map is an answer)
            except OSError:
                time.sleep(0.1)
        return False

    def close(self) -> None:
        self._finalizer()


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy for loopback


def _get(url: str) -> dict:
    host = urllib.parse.urlsplit(url).hostname or ""
    opener = _DIRECT if host in ("127.0.0.1", "localhost", "::1") else urllib.request.build_opener()
    try:
        with opener.open(url, timeout=300) as r:
            doc = json.load(r)
    except urllib.error.HTTPError as e:
        try:
            doc = json.load(e)
        except ValueError:
            raise NetworkError(f"OSRM answered HTTP {e.code} to {url[:120]}") from e
    except OSError as e:
        raise NetworkError(f"OSRM server not reachable ({url[:60]}...): {e}") from e
    if doc.get("code") != "Ok":
        raise NetworkError(f"OSRM: {doc.get('code')}: {doc.get('message', '')}")
    return doc


class OsrmModel(TravelModel):
    """Travel times from an OSRM server (see the module docstring).

    Parameters
    ----------
    points : pandas.DataFrame
        ``point_id, lat, lon``.
    params : TravelParams
        ``network`` (a prepared ``.osrm`` base path or an ``http(s)://`` server address),
        ``network_type``, ``snap_warn_m``, ``snap_speed_kmh``.

    Raises
    ------
    NetworkError
        No dataset or server, binaries missing, or more than half of the points farther
        than ``snap_warn_m`` from any road.
    """

    def __init__(self, points: pd.DataFrame, params: TravelParams) -> None:
        super().__init__(points)
        self.params = params
        spec = str(params.network or "").strip()
        self._server: OsrmServer | None = None
        if spec.startswith(("http://", "https://")):
            self.url = spec.rstrip("/")
            label = spec
        else:
            base = Path(spec).expanduser()
            if base.suffix != ".osrm":
                raise NetworkError(
                    f"travel.engine 'osrm' needs travel.network to be a prepared '.osrm' "
                    f"dataset or an http:// OSRM server, not '{spec}' (prepare one with "
                    "'planner prepare-osrm AREA.osm.pbf --out DIR')"
                )
            self._server = OsrmServer(base)
            self.url = self._server.url
            label = base.name
        self.source = f"osrm:{label}:{params.network_type}"
        self._profile = "driving"  # the server serves whatever profile it was prepared with
        self._snap_m = self._snap_distances()
        self._off_s = self._snap_m / (params.snap_speed_kmh / 3.6)
        self.points["snap_m"] = np.round(self._snap_m, 1)
        self.snaps = self.points[["point_id", "snap_m"]].copy()
        far = np.flatnonzero(self._snap_m > params.snap_warn_m)
        n = len(self.points)
        if n and len(far) > WRONG_NETWORK_SHARE * n:
            raise NetworkError(
                f"{len(far)} of {n} points are more than {format_m(params.snap_warn_m)} from "
                f"any road of the OSRM dataset {label}: is it the right area for these customers?"
            )
        self.warnings = far_point_warnings(self.points, self._snap_m, far, params.network_type)
        self._unreachable: set[str] = set()

    # ---------------------------------------------------------------- requests
    def _coords(self, rows: np.ndarray) -> str:
        return ";".join(f"{self._lon[i]:.6f},{self._lat[i]:.6f}" for i in rows)

    def _table(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Road seconds and metres between snapped positions, ``a`` rows x ``b`` columns."""
        uniq = np.unique(np.concatenate([a, b]))
        pos = {int(r): k for k, r in enumerate(uniq)}
        src = ";".join(str(pos[int(r)]) for r in a)
        dst = ";".join(str(pos[int(r)]) for r in b)
        url = (
            f"{self.url}/table/v1/{self._profile}/{self._coords(uniq)}?sources={src}"
            f"&destinations={dst}&annotations=duration,distance"
        )
        doc = _get(url)
        dur = np.array(doc["durations"], dtype=float)  # None -> nan (no path)
        dist = np.array(doc["distances"], dtype=float)
        return dur, dist

    def _snap_distances(self) -> np.ndarray:
        out = np.zeros(len(self.points))
        for lo in range(0, len(self.points), 2 * BLOCK):
            rows = np.arange(lo, min(lo + 2 * BLOCK, len(self.points)))
            url = (
                f"{self.url}/table/v1/{self._profile}/{self._coords(rows)}"
                f"?sources=all&destinations=0&annotations=duration"
            )
            doc = _get(url)
            out[rows] = [float(w.get("distance", 0.0)) for w in doc["sources"]]
        return out

    def _compute(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t_s = np.empty((len(a), len(b)))
        d_m = np.empty((len(a), len(b)))
        rows = _row_block(len(a), len(b))
        blocks = [(i, j) for i in range(0, len(a), rows) for j in range(0, len(b), BLOCK)]

        def fetch(ij: tuple[int, int]) -> None:
            i, j = ij
            dur, dist = self._table(a[i : i + rows], b[j : j + BLOCK])
            t_s[i : i + rows, j : j + BLOCK] = dur
            d_m[i : i + rows, j : j + BLOCK] = dist

        threads = max(1, min(len(blocks), os.cpu_count() or 1))
        if threads == 1:
            for ij in blocks:
                fetch(ij)
        else:  # osrm-routed answers requests on several threads
            pool = ThreadPoolExecutor(max_workers=threads)
            try:
                futures = [pool.submit(fetch, ij) for ij in blocks]
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                for f in done:
                    f.result()  # the first failure is raised; the others are cancelled
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        none = ~np.isfinite(t_s)
        if none.any():
            self._note_unreachable(np.concatenate([a[none.any(axis=1)], b[none.any(axis=0)]]))
            t_s[none] = UNREACHABLE_S
            d_m[~np.isfinite(d_m)] = UNREACHABLE_S * 30.0  # ~ 108 km/h: never chosen
        return door_to_door(self, a, b, t_s, d_m, self._off_s, self._snap_m)

    # ---------------------------------------------------------------- TravelModel
    def matrix(self, ids: Sequence[str]) -> TravelMatrix:
        ids = tuple(ids)
        r = self.rows(ids)
        travel, dist = self._compute(r, r)
        np.fill_diagonal(travel, 0)
        np.fill_diagonal(dist, 0)
        return TravelMatrix(ids, travel, dist, self.source)

    def rect_s(self, from_ids: Sequence[str], to_ids: Sequence[str]) -> np.ndarray:
        return self._compute(self.rows(list(from_ids)), self.rows(list(to_ids)))[0]

    def path(self, ids: Sequence[str]) -> list[tuple[float, float]]:
        r = self.rows(list(ids))
        lat, lon = self._lat, self._lon
        out_lat: list[float] = []
        out_lon: list[float] = []
        for k in range(0, max(len(r) - 1, 0), 499):  # OSRM routes up to 500 points
            part = r[k : k + 500]
            url = (
                f"{self.url}/route/v1/{self._profile}/{self._coords(part)}"
                "?overview=full&geometries=geojson&continue_straight=false"
            )
            try:
                doc = _get(url)
            except NetworkError:  # no road path: straight lines, as the maps expect
                out_lat.extend(lat[part].tolist())
                out_lon.extend(lon[part].tolist())
                continue
            coords = doc["routes"][0]["geometry"]["coordinates"]
            out_lat.append(float(lat[part[0]]))
            out_lon.append(float(lon[part[0]]))
            out_lat.extend(c[1] for c in coords)
            out_lon.extend(c[0] for c in coords)
            out_lat.append(float(lat[part[-1]]))
            out_lon.append(float(lon[part[-1]]))
        if len(r) == 1:
            out_lat, out_lon = [float(lat[r[0]])], [float(lon[r[0]])]
        return drop_repeats(out_lat, out_lon)

    def _note_unreachable(self, rows: np.ndarray) -> None:
        """Warn (once per point) about points that some other point cannot reach."""
        for r in np.unique(rows):
            pid = str(self.points["point_id"].iat[int(r)])
            if pid not in self._unreachable:
                self._unreachable.add(pid)
                self.warnings.append(
                    f"{describe_point(pid)} has no road path to or from some other points "
                    f"(another island?): those pairs count as {UNREACHABLE_S // 86400} days "
                    "of travel"
                )

    def close(self) -> None:
        """Stop the ``osrm-routed`` this model started (also done when it is collected)."""
        if self._server is not None:
            self._server.close()


def build_osrm_model(params: TravelParams, points: pd.DataFrame) -> OsrmModel:
    """:class:`OsrmModel` for ``params.network`` (a prepared dataset or a server URL)."""
    return OsrmModel(points, params)
