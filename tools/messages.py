"""Extract the translatable messages and keep ``messages.po`` in step.

    python -m tools.messages          # add new messages to every .po (empty translation), drop unused ones

Python code marks messages with ``N_("...")`` (raised errors) or ``_(request, "...")`` (views); templates
with ``_("...")`` and ``ngettext("...", "...", n)``. tests/core/test_translations.py fails while a message
has no Chinese translation.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ctid"
TRANSLATIONS = PACKAGE / "web" / "translations"
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {
    "**/templates/**.html": {"extensions": "", "trimmed": "true"},
    "**.py": {},
}
KEYWORDS = {"_": (2,), "N_": None, "gettext": None, "ngettext": (1, 2)}
TEMPLATE_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    catalog = Catalog(project="ctid", charset="utf-8")
    for method_pattern, method in METHODS:
        keywords = TEMPLATE_KEYWORDS if method != "python" else KEYWORDS
        found = extract_from_dir(
            PACKAGE, [(method_pattern, method)], {method_pattern: OPTIONS[method_pattern]}, keywords=keywords
        )
        for filename, lineno, message, comments, context in found:
            catalog.add(
                message, None, [(f"ctid/{filename}", lineno)], auto_comments=comments, context=context
            )
    return catalog


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def read(locale: str) -> Catalog:
    with po_path(locale).open("rb") as source:
        return read_po(source, locale=locale)


def update(locale: str) -> Catalog:
    template = extract()
    path = po_path(locale)
    catalog = read(locale) if path.exists() else Catalog(locale=locale, project="ctid")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as target:
        write_po(target, catalog, width=120, omit_header=False, sort_output=False)
    return catalog


if __name__ == "__main__":
    updated = update("zh_CN")
    missing = [m.id for m in updated if m.id and not m.string]
    print(f"zh_CN: {len(updated)} messages, {len(missing)} without translation")
