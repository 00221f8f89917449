"""Scenario files: the YAML a planner writes to describe one planning run.

A scenario names the customer and rep files (relative to the scenario file), the
horizon, the workday, the tier rules, the travel model, territory settings and a seed.
``extends: base.yaml`` starts from another scenario and overrides what it names (see
docs/data-contract.md). Every mistake (unknown key, bad value, missing file) is
reported at once as an :class:`~planner.errors.InputError` naming the key and, for a
misspelled key, the nearest valid one.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from planner.domain import BreakRule, Horizon, TierRule, TierTable, Workday
from planner.errors import InputError, Problem
from planner.units import parse_clock


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clock(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool):  # YAML 1.1 reads 08:00 as 480
        v = f"{v // 60:02d}:{v % 60:02d}"
    parse_clock(str(v))
    return str(v)


class LunchModel(_Strict):
    earliest: str = "11:30"
    latest: str = "13:30"
    duration_min: float = Field(30, gt=0, le=240)

    _c = field_validator("earliest", "latest", mode="before")(_clock)


class WorkdayModel(_Strict):
    start: str = "08:00"
    end: str = "16:30"
    lunch: LunchModel | None = None

    _c = field_validator("start", "end", mode="before")(_clock)


class HorizonModel(_Strict):
    start: dt.date
    weeks: int = Field(4, ge=1, le=53)


class TierModel(_Strict):
    every_weeks: int = Field(ge=1, le=52)
    service_min: float = Field(gt=0, le=600)
    priority: int | None = None


class TravelModel(_Strict):
    mode: Literal["haversine", "road"] = "haversine"
    speed_kmh: float = Field(35.0, gt=0, le=200)
    circuity: float = Field(1.3, ge=1.0, le=5.0)
    network: str | None = None
    network_type: Literal["drive", "walk", "bike"] = "drive"
    speeds_kmh: dict[str, float] = Field(default_factory=dict)
    snap_warn_m: float = Field(1000.0, gt=0)
    cache_dir: str | None = None


class TerritoriesModel(_Strict):
    method: Literal["redesign", "keep"] = "redesign"
    count: int | None = Field(None, ge=1)
    balance: Literal["workload", "count", "column"] = "workload"
    balance_column: str | None = None
    balance_tolerance: float = Field(0.10, gt=0, le=1)
    boundary: str | None = None
    units: str | None = None


class RoutingModel(_Strict):
    time_limit_s: float = Field(3.0, gt=0, le=600)
    max_shift_days: int = Field(1, ge=0, le=10)


class RepAddModel(_Strict):
    id: str
    name: str
    home_lat: float = Field(ge=-90, le=90)
    home_lon: float = Field(ge=-180, le=180)
    start_lat: float | None = Field(None, ge=-90, le=90)
    start_lon: float | None = Field(None, ge=-180, le=180)
    work_start: str | None = None
    work_end: str | None = None
    working_days: str = "Mo-Fr"
    max_visits_per_day: int = Field(0, ge=0)

    _c = field_validator("work_start", "work_end", mode="before")(
        lambda v: None if v is None else _clock(v)
    )


class RepChangesModel(_Strict):
    add: list[RepAddModel] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


class CustomerChangesModel(_Strict):
    add: list[str] = Field(default_factory=list)
    deactivate: list[str] = Field(default_factory=list)
    activate: list[str] = Field(default_factory=list)
    retier: dict[str, str] = Field(default_factory=dict)

    @field_validator("add", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [v] if isinstance(v, str) else v


class ChangesModel(_Strict):
    """What-if edits applied to the inputs after reading them (see planner/changes.py)."""

    reps: RepChangesModel = RepChangesModel()
    customers: CustomerChangesModel = CustomerChangesModel()


class MapsModel(_Strict):
    """How the maps are written (docs/maps.md)."""

    navigation: Literal["google", "apple", "osm", "amap", "baidu"] = "google"
    self_contained: bool = False


class ScenarioModel(_Strict):
    name: str | None = None
    description: str = ""
    extends: str | None = None
    customers: str
    reps: str
    appointments: str | None = None
    horizon: HorizonModel
    workday: WorkdayModel = WorkdayModel()
    tiers: dict[str, TierModel] | None = None
    travel: TravelModel = TravelModel()
    territories: TerritoriesModel = TerritoriesModel()
    routing: RoutingModel = RoutingModel()
    changes: ChangesModel = ChangesModel()
    seed: int = 0
    workers: int = Field(0, ge=0)
    language: Literal["en", "zh"] = "en"
    csv_encoding: Literal["utf-8", "utf-8-sig"] = "utf-8"
    maps: MapsModel = MapsModel()
    # rolling re-plan (planner/rolling.py, docs/weekly-routine.md)
    actuals: str | list[str] | None = None
    previous_plan: str | None = None
    freeze_days: int = Field(0, ge=0, le=366)


DEFAULT_TIERS_YAML = {
    "A": {"every_weeks": 1, "service_min": 45},
    "B": {"every_weeks": 2, "service_min": 30},
    "C": {"every_weeks": 4, "service_min": 20},
}


class Scenario:
    """A validated scenario with paths resolved against the scenario file."""

    def __init__(self, model: ScenarioModel, path: Path):
        self.model = model
        self.path = path
        self.base_dir = path.parent
        self.name = model.name or path.stem

    def resolve(self, rel: str | None) -> Path | None:
        if rel is None:
            return None
        p = Path(rel).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def customers_path(self) -> Path:
        return self.resolve(self.model.customers)  # type: ignore[return-value]

    @property
    def reps_path(self) -> Path:
        return self.resolve(self.model.reps)  # type: ignore[return-value]

    @property
    def appointments_path(self) -> Path | None:
        return self.resolve(self.model.appointments)

    @property
    def actuals_paths(self) -> tuple[Path, ...]:
        """The visit log files / folders of ``actuals:`` (one path or a list)."""
        a = self.model.actuals
        items = [a] if isinstance(a, str) else list(a or [])
        return tuple(p for p in map(self.resolve, items) if p is not None)

    @property
    def previous_plan_path(self) -> Path | None:
        return self.resolve(self.model.previous_plan)

    def with_rolling(
        self, actuals: list[Path] | None = None, previous: Path | None = None
    ) -> Scenario:
        """This scenario with ``actuals:`` / ``previous_plan:`` replaced (the CLI's
        ``--actuals`` / ``--previous``; paths as given, made absolute).

        Raises
        ------
        InputError
            A path that does not exist, or ``freeze_days`` without a previous plan.
        """
        update: dict[str, Any] = {}
        if actuals:
            update["actuals"] = [str(Path(p).resolve()) for p in actuals]
        if previous is not None:
            update["previous_plan"] = str(Path(previous).resolve())
        sc = Scenario(self.model.model_copy(update=update), self.path)
        problems = _rolling_problems(sc, str(self.path))
        if problems:
            raise InputError(problems)
        return sc

    def tier_table(self) -> TierTable:
        tiers = self.model.tiers or {k: TierModel(**v) for k, v in DEFAULT_TIERS_YAML.items()}
        # Default priority: more frequent tiers rank higher; ties by file order.
        order = sorted(tiers, key=lambda k: (tiers[k].every_weeks, list(tiers).index(k)))
        rules = {}
        for name, t in tiers.items():
            prio = t.priority if t.priority is not None else len(order) - order.index(name)
            rules[name] = TierRule(name, t.every_weeks, t.service_min, prio)
        return TierTable(rules)

    def workday(self) -> Workday:
        w = self.model.workday
        lunch = None
        if w.lunch is not None:
            lunch = BreakRule(
                parse_clock(w.lunch.earliest),
                parse_clock(w.lunch.latest),
                int(round(w.lunch.duration_min * 60)),
            )
        return Workday(parse_clock(w.start), parse_clock(w.end), lunch)

    def output_options(self):
        """The scenario's :class:`planner.output.OutputOptions` (language, CSV encoding,
        navigation links, self-contained pages)."""
        from planner.output import OutputOptions

        m = self.model
        return OutputOptions(m.language, m.csv_encoding, m.maps.navigation, m.maps.self_contained)

    def with_output(
        self,
        language: str | None = None,
        self_contained: bool | None = None,
        navigation: str | None = None,
        csv_encoding: str | None = None,
    ) -> Scenario:
        """A copy with output settings overridden (the CLI's ``--lang``,
        ``--self-contained``); ``None`` keeps the scenario's value. The plan records the
        result in ``plan.json``, so ``planner maps``/``export`` re-render the same way."""
        top = {"language": language, "csv_encoding": csv_encoding}
        maps = {"self_contained": self_contained, "navigation": navigation}
        data = self.model.model_dump()
        data.update({k: v for k, v in top.items() if v is not None})
        data["maps"].update({k: v for k, v in maps.items() if v is not None})
        try:
            model = ScenarioModel.model_validate(data)
        except ValidationError as e:
            raise InputError(_problems_from_validation(e, str(self.path))) from None
        return Scenario(model, self.path)

    def horizon(self) -> Horizon:
        return Horizon(self.model.horizon.start, self.model.horizon.weeks)

    @property
    def seed(self) -> int:
        return self.model.seed

    def to_dict(self) -> dict:
        return self.model.model_dump(mode="json")


def _nearest(word: str, options) -> str | None:
    m = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.5)
    return m[0] if m else None


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model: Any = ScenarioModel
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        f = model.model_fields.get(str(part))
        if f is None:
            return None
        ann = f.annotation
        args = getattr(ann, "__args__", ())
        cand = [a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        if cand:
            model = cand[0]
        elif args and isinstance(args[-1], type) and issubclass(args[-1], BaseModel):
            model = args[-1]
        else:
            # dict[str, TierModel]: the key is free, next level is the value model
            vals = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            model = vals[0] if vals else None
    return model


def _problems_from_validation(err: ValidationError, file: str) -> list[Problem]:
    out = []
    for e in err.errors():
        loc = tuple(e["loc"])
        key = ".".join(str(p) for p in loc)
        if e["type"] == "extra_forbidden":
            parent = _model_at(loc[:-1])
            if parent is None and len(loc) >= 2 and loc[0] == "tiers":
                parent = TierModel
            near = _nearest(loc[-1], parent.model_fields) if parent else None
            fix = (
                f"did you mean '{'.'.join(map(str, loc[:-1] + (near,)))}'?"
                if near
                else (f"valid keys here: {', '.join(parent.model_fields)}" if parent else None)
            )
            out.append(Problem(file, f"unknown key '{key}'", column=key, fix=fix))
        elif e["type"] == "missing":
            out.append(Problem(file, f"required key '{key}' is missing", column=key))
        else:
            msg = e["msg"].removeprefix("Value error, ")
            out.append(Problem(file, f"'{key}': {msg} (got {e.get('input')!r})", column=key))
    return out


def _deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "tiers":
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_yaml(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    if not path.exists():
        raise InputError(Problem(str(path), "scenario file does not exist", fix="check the path"))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(
            Problem(str(path), "scenario file is not UTF-8 text", fix="save it as UTF-8")
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputError(
            Problem(
                str(path),
                f"not valid YAML: {getattr(e, 'problem', e)}",
                row=(mark.line + 1) if mark else None,
            )
        ) from None
    if data is None:
        raise InputError(
            Problem(
                str(path), "scenario file is empty", fix="see scenarios/demo.yaml for an example"
            )
        )
    if not isinstance(data, dict):
        raise InputError(Problem(str(path), "a scenario must be a mapping of keys to values"))
    if "extends" in data and data["extends"]:
        base_path = (path.parent / str(data["extends"])).resolve()
        if base_path in seen:
            raise InputError(
                Problem(str(path), f"'extends' loops back to {base_path}", column="extends")
            )
        base = _read_yaml(base_path, seen + (path.resolve(),))
        # relative paths in the base stay relative to the base file
        for key in ("customers", "reps", "appointments"):
            if key in base and base[key] and key not in data:
                p = Path(str(base[key]))
                if not p.is_absolute():
                    base[key] = str(Path(os_relpath(base_path.parent / p, path.parent)))
        for key in ("network", "cache_dir"):
            tv = base.get("travel", {}) or {}
            if tv.get(key) and not (data.get("travel") or {}).get(key):
                p = Path(str(tv[key]))
                if not p.is_absolute() and (base_path.parent / p).exists():
                    tv[key] = str(Path(os_relpath(base_path.parent / p, path.parent)))
        for key in ("boundary", "units"):
            tv = base.get("territories", {}) or {}
            if tv.get(key) and not (data.get("territories") or {}).get(key):
                p = Path(str(tv[key]))
                if not p.is_absolute():
                    tv[key] = str(Path(os_relpath(base_path.parent / p, path.parent)))
        ch = (base.get("changes") or {}).get("customers") or {}
        if ch.get("add"):
            adds = [ch["add"]] if isinstance(ch["add"], str) else list(ch["add"])
            ch["add"] = [
                a
                if Path(str(a)).is_absolute()
                else os_relpath(base_path.parent / str(a), path.parent)
                for a in adds
            ]
        for key in ("actuals", "previous_plan"):
            if base.get(key) and key not in data:
                base[key] = _rebase(base[key], base_path.parent, path.parent)
        data = _deep_merge({k: v for k, v in base.items() if k not in ("name", "extends")}, data)
    return data


def _rolling_problems(sc: Scenario, file: str) -> list[Problem]:
    """``actuals`` / ``previous_plan`` paths that do not exist; ``freeze_days`` alone."""
    out = []
    for i, p in enumerate(sc.actuals_paths):
        if not p.exists():
            key = "actuals" if isinstance(sc.model.actuals, str) else f"actuals[{i}]"
            out.append(
                Problem(
                    file,
                    f"visit log {p} does not exist",
                    column=key,
                    fix="name a log file or folder (paths are relative to the scenario file)",
                )
            )
    prev = sc.previous_plan_path
    if prev is not None and not (prev / "plan.json").exists():
        out.append(
            Problem(
                file,
                f"previous plan {prev} is not a plan folder (no plan.json)",
                column="previous_plan",
                fix="name the folder 'planner plan' wrote the previous plan to",
            )
        )
    if sc.model.freeze_days and prev is None:
        out.append(
            Problem(
                file,
                "freeze_days needs previous_plan: the frozen days keep that plan's visits",
                column="freeze_days",
            )
        )
    return out


def _rebase(value: Any, base_dir: Path, new_dir: Path) -> Any:
    """A relative path (or list of them) of a base scenario, relative to the extending one."""
    if isinstance(value, list):
        return [_rebase(v, base_dir, new_dir) for v in value]
    if isinstance(value, str) and value and not Path(value).is_absolute():
        return os_relpath(base_dir / value, new_dir)
    return value


def os_relpath(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(target, start)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises
    ------
    InputError
        Listing every problem: unknown keys (with the nearest valid key), bad values,
        files that do not exist.
    """
    path = Path(path)
    data = _read_yaml(path)
    file = str(path)
    problems: list[Problem] = []
    for key in ("customers", "reps", "appointments"):
        rel = data.get(key)
        if isinstance(rel, str) and rel:
            p = Path(rel).expanduser()
            p = p if p.is_absolute() else path.parent / p
            if not p.exists():
                problems.append(
                    Problem(
                        file,
                        f"'{key}' file {p} does not exist",
                        column=key,
                        fix="paths are relative to the scenario file",
                    )
                )
    try:
        model = ScenarioModel.model_validate(data)
    except ValidationError as e:
        raise InputError(_problems_from_validation(e, file) + problems) from None
    sc = Scenario(model, path)
    for i, rel in enumerate(model.changes.customers.add):
        p = sc.resolve(rel)
        if p is not None and not p.exists():
            problems.append(
                Problem(
                    file,
                    f"'changes.customers.add' file {p} does not exist",
                    column=f"changes.customers.add[{i}]",
                )
            )
    for key in ("boundary", "units"):
        p = sc.resolve(getattr(model.territories, key))
        if p is not None and not p.exists():
            problems.append(
                Problem(
                    file,
                    f"'territories.{key}' file {p} does not exist",
                    column=f"territories.{key}",
                )
            )
    if model.travel.mode == "road" and not model.travel.network:
        problems.append(
            Problem(
                file,
                "travel.mode is 'road' but travel.network is not set",
                column="travel.network",
                fix="give an .osm.pbf/.osm/.graphml file or a place name",
            )
        )
    if model.territories.balance == "column" and not model.territories.balance_column:
        problems.append(
            Problem(
                file,
                "territories.balance is 'column' but territories.balance_column is not set",
                column="territories.balance_column",
            )
        )
    problems += _rolling_problems(sc, file)
    w = sc.workday()
    if w.end_s <= w.start_s:
        problems.append(
            Problem(
                file,
                f"workday ends ({model.workday.end}) before it starts ({model.workday.start})",
                column="workday.end",
            )
        )
    if w.lunch and (w.lunch.latest_s - w.lunch.earliest_s < w.lunch.duration_s):
        problems.append(
            Problem(file, "lunch window is shorter than the lunch duration", column="workday.lunch")
        )
    if problems:
        raise InputError(problems)
    return sc
