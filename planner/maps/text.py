"""Text helpers for the maps: escaping, formatting, navigation links, safe file names.

Every piece of user text (names, addresses, notes, phone numbers, ids) goes through
:func:`esc` before it becomes part of an HTML string. The HTML strings built here are
then handed to Leaflet as JSON strings (see :mod:`planner.maps.elements`), so a value
is safe both as HTML and inside a ``<script>`` block.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import unicodedata
from urllib.parse import quote

from planner.i18n import Translator, translator
from planner.units import format_clock, round_minutes

_EXTRA_ESCAPES = str.maketrans(
    {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}
)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def esc(value: object) -> str:
    """HTML-escape any value for element content and quoted attributes.

    ``None`` and NaN become ``""``. Besides ``& < > " '`` the backtick, ``$``,
    backslash and curly braces are replaced by character references, so the result
    stays inert inside a JavaScript template literal and inside a Jinja template
    (branca re-reads the output of each folium element as a template: an unescaped
    ``{{ ... }}`` in a customer name would be evaluated while rendering).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).translate(_EXTRA_ESCAPES)


def clock(seconds: object) -> str:
    """``HH:MM`` for seconds since midnight; ``""`` for a missing value."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    return format_clock(float(seconds))  # type: ignore[arg-type]


def duration(seconds: float, tr: Translator | None = None) -> str:
    """A duration for people: ``45 min``, ``1 h 05 min`` (in ``tr``'s language), minutes
    rounded half up like the plan's tables."""
    tr = tr or translator()
    total_min = round_minutes(float(seconds))
    if total_min < 60:
        return tr("{m} min", m=total_min)
    minutes = f"{total_min % 60:02d}"
    return tr("{h} h {m} min", h=total_min // 60, m=minutes)


def km(dist_m: float, tr: Translator | None = None) -> str:
    """Kilometres with one decimal: ``12.3 km`` (in ``tr``'s language)."""
    tr = tr or translator()
    value = f"{float(dist_m) / 1000:.1f}"
    return tr("{km} km", km=value)


def day_label(day: dt.date) -> str:
    """``Tue 2025-06-03``."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.isoformat()}"


def nav_url(lat: float, lon: float) -> str:
    """Google Maps directions to a point (opens the maps app on a phone)."""
    return f"https://www.google.com/maps/dir/?api=1&destination={lat:.6f},{lon:.6f}"


def geo_uri(lat: float, lon: float, name: str) -> str:
    """An RFC 5870 ``geo:`` URI with a label (Android navigation apps read it)."""
    return f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({quote(str(name), safe='')})"


def tel_uri(phone: str) -> str:
    """``tel:`` URI keeping only ``+`` and digits; ``""`` when no digit is left."""
    digits = re.sub(r"[^0-9+]", "", str(phone))
    return f"tel:{digits}" if re.search(r"\d", digits) else ""


def slugify(text: str, ascii_only: bool = True, default: str = "rep") -> str:
    """A file-name-safe form of a rep id: ASCII letters, digits, ``-``, ``_``, ``.``.

    With ``ascii_only=False`` letters and digits of any script are kept too (``李娜
    leaves`` -> ``李娜-leaves``; accents are still folded: ``Äö`` -> ``Ao``), for folder
    names people read. Never empty (``default``), never starting with ``.`` or ``_``
    (``_static`` is reserved).
    """
    norm = unicodedata.normalize("NFKD", str(text))
    if ascii_only:
        norm = norm.encode("ascii", "ignore").decode("ascii")
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", norm)
    else:
        norm = "".join(ch for ch in norm if not unicodedata.combining(ch))
        slug = unicodedata.normalize("NFC", re.sub(r"[^\w.-]+", "-", norm))
    slug = slug.strip("-._")
    return slug[:60] or default


RESERVED_NAMES = frozenset({"index.html", "_static", "_maps.json"})
"""Names in a maps folder that a rep's folder must not take (a rep id ``index.html``
becomes ``index.html-2``)."""


def unique_slugs(ids: list[str]) -> dict[str, str]:
    """Map each id to a distinct slug (``a-b``, ``a-b-2`` ...), case-insensitively unique
    and never one of :data:`RESERVED_NAMES`."""
    out: dict[str, str] = {}
    taken: set[str] = set(RESERVED_NAMES)
    for rep_id in ids:
        if rep_id in out:
            continue
        base = slugify(rep_id)
        slug, n = base, 1
        while slug.lower() in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug.lower())
        out[rep_id] = slug
    return out
