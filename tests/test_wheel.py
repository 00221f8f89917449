"""The built wheel carries everything `planner demo` needs (issue 15, item 14).

How, and why this way: the wheel is built from a copy of the sources with setuptools'
PEP 517 backend called in this test's Python (what ``pip wheel --no-deps
--no-build-isolation`` does, without pip's start-up), so nothing is downloaded. It is
installed with ``pip --python NEW_VENV install --no-deps`` into a fresh venv made without
pip; a ``.pth`` line in that venv puts this test venv's site-packages *after* its own, so
numpy, OR-Tools, folium... are importable without reinstalling them, while ``planner``
itself can only come from the wheel (the editable install of the test venv is a finder
that a plain ``.pth`` path line does not activate). ``planner demo`` then runs in an
empty folder, far from the source tree: it must find its scenario, its data and Leaflet
inside the installed package.
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in ("planner", "scenarios"):
        shutil.copytree(
            ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    out = tmp / "dist"
    out.mkdir()
    code = "import sys; from setuptools import build_meta as b; print(b.build_wheel(sys.argv[1]))"
    r = subprocess.run(
        [sys.executable, "-c", code, str(out)], cwd=src, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return out / r.stdout.strip().splitlines()[-1]


def test_wheel_ships_demo_and_leaflet_and_runs_demo(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "planner/demo/demo.yaml",
        "planner/demo/data/helsinki_customers.csv",
        "planner/demo/data/helsinki_reps.csv",
        "planner/maps/static/leaflet.js",
        "planner/maps/static/leaflet.css",
        "planner/maps/static/images/marker-icon.png",
    ):
        assert needed in names, needed
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    new_site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (new_site / "zz_test_venv_deps.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    where = subprocess.run(
        [str(py), "-c", "import planner; print(planner.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(new_site), where  # the wheel's planner, not the tree's
    work = tmp_path / "work"
    work.mkdir()
    r = subprocess.run(
        [str(venv / "bin" / "planner"), "demo", "--out", "demo", "--workers", "2"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    out = work / "demo"
    assert (out / "maps" / "index.html").is_file()
    assert (out / "maps" / "_static" / "leaflet.js").is_file()
    assert (out / "plan.json").is_file() and (out / "visits.csv").stat().st_size > 1000
    assert "Helsinki demo" in (out / "plan.json").read_text(encoding="utf-8")
