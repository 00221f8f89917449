"""How a plan's outputs are written for people: language, CSV encoding, navigation links,
self-contained pages.

The scenario sets them (``language``, ``csv_encoding``, ``maps.navigation``,
``maps.self_contained``; docs/data-contract.md) and the plan records them in
``plan.json``'s settings, so ``planner maps DIR`` and ``planner export DIR`` re-render
in the same language unless told otherwise (``--lang``, ``--self-contained``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.cells import CSV_ENCODINGS
from planner.i18n import DEFAULT_LANGUAGE, LANGUAGES

NAVIGATION_APPS = ("google", "apple", "osm", "amap", "baidu")


@dataclass(frozen=True)
class OutputOptions:
    """Output settings of a plan.

    Parameters
    ----------
    language : {"en", "zh"}
        Labels, dates and weekdays of maps, forms, workbook, reports.
    csv_encoding : {"utf-8", "utf-8-sig"}
        ``utf-8-sig`` writes a byte-order mark so that Excel opens the CSVs ungarbled.
    navigation : {"google", "apple", "osm", "amap", "baidu"}
        Where the "Navigate" links of the maps go (Amap and Baidu get GCJ-02 / BD-09
        coordinates).
    self_contained : bool
        Inline Leaflet in every map page so one forwarded page works on its own.
    """

    language: str = DEFAULT_LANGUAGE
    csv_encoding: str = "utf-8"
    navigation: str = "google"
    self_contained: bool = False

    def __post_init__(self) -> None:
        for value, allowed, what in (
            (self.language, LANGUAGES, "language"),
            (self.csv_encoding, CSV_ENCODINGS, "csv_encoding"),
            (self.navigation, NAVIGATION_APPS, "navigation"),
        ):
            if value not in allowed:
                raise ValueError(f"{what} must be one of {', '.join(allowed)}, got {value!r}")

    def with_overrides(self, **changes: object) -> OutputOptions:
        """A copy with the given fields replaced; ``None`` values are ignored."""
        given = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **given) if given else self  # type: ignore[arg-type]


def output_options(meta: dict | None) -> OutputOptions:
    """The output options a plan was made with (``plan.json``'s ``settings``); defaults
    for plans made before these settings existed."""
    settings = (meta or {}).get("settings") if isinstance(meta, dict) else None
    if not isinstance(settings, dict):
        return OutputOptions()
    found = settings.get("maps")
    maps = found if isinstance(found, dict) else {}
    try:
        return OutputOptions(
            language=str(settings.get("language") or DEFAULT_LANGUAGE),
            csv_encoding=str(settings.get("csv_encoding") or "utf-8"),
            navigation=str(maps.get("navigation") or "google"),
            self_contained=bool(maps.get("self_contained", False)),
        )
    except ValueError:
        return OutputOptions()


def plan_output_options(
    meta: dict | None, language: str | None = None, self_contained: bool | None = None
) -> OutputOptions:
    """A plan's recorded output options with the command line's overrides.

    Raises
    ------
    InputError
        An unknown ``--lang`` (the message lists the known ones).
    """
    from planner.errors import InputError, Problem

    try:
        return output_options(meta).with_overrides(language=language, self_contained=self_contained)
    except ValueError as e:
        raise InputError(Problem("--lang", str(e), fix="use --lang en or --lang zh")) from None
