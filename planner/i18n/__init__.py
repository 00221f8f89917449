"""Languages of everything a person reads: maps, forms, workbook, reports, CLI summaries.

Labels are English ``msgid`` s marked in the code as ``tr("...")`` (``tr`` is a
:class:`Translator`); their translations live in gettext catalogues beside this module
(``planner/i18n/<language>.po``, package data, so a wheel ships them). Dates and
weekdays come from Babel's CLDR data in the language's own form.

Why ``.po`` and no ``.mo`` in the repository: a ``.po`` file is the one people edit and
review, and a committed ``.mo`` would be a second, binary copy that can silently go
stale. The catalogue is compiled in memory with Babel the first time a language is
used (a few milliseconds, cached per process), which works the same in a fresh clone,
an editable install and an installed wheel, with no build step to forget.
``scripts/update-catalogue`` re-extracts the messages from the code and merges them into
every ``.po``; ``tests/test_i18n.py`` fails when a message has no translation.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
#: Babel locale of each language (dates, weekday names).
LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN"}
#: The HTML ``lang`` attribute of each language.
HTML_LANG = {"en": "en", "zh": "zh-CN"}
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def catalogue_path(language: str):
    """The ``.po`` file of ``language`` inside the installed package."""
    return resources.files("planner.i18n").joinpath(f"{language}.po")


@cache
def _compiled(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalogue_path(language).open("rb") as f:
        catalog = read_po(f, locale=LOCALES[language])
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@dataclass(frozen=True)
class Translator:
    """Labels, dates and weekdays in one language.

    ``tr("Visits")`` translates a label; ``tr("{n} visits", n=3)`` translates, then fills
    the ``{placeholders}`` (the translation keeps them). Use :func:`translator` to get
    one.
    """

    language: str = DEFAULT_LANGUAGE

    def __call__(self, message: str, **values: object) -> str:
        text = _compiled(self.language).gettext(message)
        return text.format(**values) if values else text

    @property
    def locale(self) -> str:
        return LOCALES[self.language]

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.language]

    def weekday(self, day: dt.date) -> str:
        """Short weekday: ``Tue`` / ``周二``."""
        if self.language == "en":
            return _EN_WEEKDAYS[day.weekday()]
        from babel.dates import get_day_names

        return str(get_day_names("abbreviated", locale=self.locale)[day.weekday()])

    def day_label(self, day: dt.date) -> str:
        """A day as people name it: ``Tue 2026-12-01`` / ``2026年12月1日 周二``."""
        if self.language == "en":
            return f"{self.weekday(day)} {day.isoformat()}"
        from babel.dates import format_date

        return f"{format_date(day, 'long', locale=self.locale)} {self.weekday(day)}"

    def short_date(self, day: dt.date) -> str:
        """Day and month: ``01 Dec`` / ``12月1日``."""
        if self.language == "en":
            return day.strftime("%d %b")
        from babel.dates import format_skeleton

        return str(format_skeleton("MMMd", day, locale=self.locale))

    def long_date(self, day: dt.date) -> str:
        """A day in full: ``Tuesday 1 December 2026`` / ``2026年12月1日星期二``."""
        from babel.dates import format_date

        return str(format_date(day, "full", locale=self.locale))


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a label kept in a table for the catalogue (extracted like ``tr("...")``);
    translate it where it is shown with ``tr(label)``."""
    return message


@cache
def translator(language: str | None = None) -> Translator:
    """The :class:`Translator` of ``language`` (``en`` or ``zh``; ``None`` = English).

    Raises
    ------
    ValueError
        An unknown language (the message lists the known ones).
    """
    language = language or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of: {', '.join(LANGUAGES)}")
    return Translator(language)
