"""The pages' scripts: one api.js makes every request, each script does one job, and each page loads what
its scripts use before them.

Before, the console's script and the CRM's each had their own fetch wrapper, and only the CRM's renewed
an expired CSRF token (tests/e2e/test_walk_pages.py shows both renew now); console.js did six jobs in
586 lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import ctid.web

WEB = Path(ctid.web.__file__).parent
STATIC = WEB / "static"
TEMPLATES = WEB / "templates"
SCRIPT_TAG = re.compile(r"""<script src="\{\{ static_url\('([^']+)'\) \}\}"(?: defer)?></script>""")
DEFINES = re.compile(r"window\.(Ctid\w+) = ")
USES = re.compile(r"window\.(Ctid\w+)\b(?! = )")
MAX_LINES = 160


def scripts() -> dict[str, str]:
    return {p.relative_to(STATIC).as_posix(): p.read_text(encoding="utf-8") for p in STATIC.rglob("*.js")}


def test_only_api_js_calls_fetch() -> None:
    callers = sorted(name for name, text in scripts().items() if "fetch(" in text)
    assert callers == ["api.js"]


def test_each_script_is_small() -> None:
    long = {name: n for name, text in scripts().items() if (n := text.count("\n")) > MAX_LINES}
    assert long == {}
    assert "console.js" not in scripts(), "the console is split by job under static/console/"


def test_each_page_loads_what_its_scripts_use_before_them() -> None:
    """A script that uses window.CtidX comes after the one that defines it, on every page that loads it."""
    defined_by = {namespace: name for name, text in scripts().items() for namespace in DEFINES.findall(text)}
    assert {"CtidApi", "CtidDom", "CtidCrm", "CtidConsole"} <= set(defined_by)
    problems = []
    pages = 0
    for template in TEMPLATES.rglob("*.html"):
        loaded: list[str] = SCRIPT_TAG.findall(template.read_text(encoding="utf-8"))
        pages += "api.js" in loaded
        for position, name in enumerate(loaded):
            text = (STATIC / name).read_text(encoding="utf-8")
            for namespace in set(USES.findall(text)) - set(DEFINES.findall(text)):
                if defined_by[namespace] not in loaded[:position]:
                    problems.append((template.name, name, namespace))
    assert problems == []
    assert pages == 22, (
        "the console, the board, the seven CRM pages, the recording player, the service catalogue and "
        "base.html (dial buttons), the call results, the appointments' day and week, the worklist, the SMS "
        "page and the SMS templates, the campaigns' list, editor and live page"
    )
