"""Keep the message catalogues in step with the code (Babel's extractor and catalogue).

``python -m planner.i18n.catalogue`` (also ``scripts/update-catalogue``) extracts every
``tr("...")`` message from ``planner/`` and merges it into each ``<language>.po``: new
messages arrive untranslated, obsolete ones are dropped, existing translations stay.
The test suite uses :func:`extract_messages` and :func:`missing_translations` to fail
when a label shown to people has no translation.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from planner.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES

PACKAGE_DIR = Path(__file__).resolve().parents[1]
I18N_DIR = Path(__file__).resolve().parent
KEYWORDS = {"tr": None, "N_": None}
FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # no date churn in the .po diffs
_FIELD = re.compile(r"\{(\w*)[^{}]*\}")


def extract_tr(fileobj, keywords, comment_tags, options):
    """A Babel extraction method reading the Python syntax tree: every call
    ``tr("...")`` or ``x.tr("...")`` with a literal first argument, also inside
    f-strings (which Babel's token-based Python extractor skips)."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) else "")
        first = node.args[0]
        if name in keywords and isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield node.lineno, name, first.value, []


def extract_messages(package_dir: Path = PACKAGE_DIR) -> dict[str, list[tuple[str, int]]]:
    """``msgid -> [(file, line), ...]`` of every ``tr("...")`` call under ``package_dir``."""
    out: dict[str, list[tuple[str, int]]] = {}
    found = extract_from_dir(
        str(package_dir),
        method_map=[("**.py", f"{__name__}:extract_tr")],  # Babel imports module:function
        keywords=KEYWORDS,
    )
    for filename, lineno, message, _comments, _context in found:
        if isinstance(message, tuple):
            message = message[0]
        if message:
            out.setdefault(message, []).append((f"planner/{filename}", lineno))
    return out


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message fills in."""
    return set(_FIELD.findall(text))


def read_catalogue(language: str) -> Catalog:
    with (I18N_DIR / f"{language}.po").open("rb") as f:
        return read_po(f, locale=LOCALES[language])


def missing_translations(language: str) -> list[str]:
    """Messages of the code without a translation in ``language``, or whose translation
    drops or invents a ``{placeholder}``."""
    cat = read_catalogue(language)
    bad = []
    for msgid in sorted(extract_messages()):
        m = cat.get(msgid)
        if m is None or not m.string or m.fuzzy:
            bad.append(f"untranslated: {msgid!r}")
        elif placeholders(msgid) != placeholders(str(m.string)):
            bad.append(f"placeholders differ: {msgid!r} -> {m.string!r}")
    return bad


def update_catalogues() -> dict[str, int]:
    """Merge the code's messages into every ``.po``; returns untranslated counts."""
    messages = extract_messages()
    template = Catalog(project="planner", locale=None, creation_date=FIXED_DATE)
    for msgid, where in sorted(messages.items()):
        template.add(msgid, locations=where)
    counts = {}
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        path = I18N_DIR / f"{language}.po"
        if path.exists():
            cat = read_catalogue(language)
        else:
            cat = Catalog(project="planner", locale=LOCALES[language])
        cat.update(template, no_fuzzy_matching=True)
        cat.obsolete.clear()
        cat.fuzzy = False
        cat.revision_date = FIXED_DATE
        cat.creation_date = FIXED_DATE
        with path.open("wb") as f:
            write_po(f, cat, width=100, omit_header=False, sort_output=True, include_lineno=False)
        counts[language] = sum(1 for m in cat if m.id and not m.string)
    return counts


if __name__ == "__main__":
    for lang, n in update_catalogues().items():
        print(f"{lang}.po: {n} untranslated messages")
