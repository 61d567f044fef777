"""A feature of the web declares, beside its views, what the app needs to know of it: its routes and its
entries in the main menu, each with the permission that shows it.

Before, ``web/app.py`` listed every views module and ``base.html`` every menu link, each by hand and each
with its own copy of the permission: a new page meant three edits in three places, and a menu link could
show to a user its page would refuse. Now each views module ends with ``FEATURE = Feature(...)``;
``collect()`` finds them all and the menu is drawn from the entries the user's permissions allow.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

from aiohttp import web

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows

ATTRIBUTE = "FEATURE"


@dataclass(frozen=True)
class NavEntry:
    """A link of the main menu. ``label`` is a msgid (marked with ``N_``), translated when drawn."""

    label: str
    path: str
    permission: Permission
    order: int  # place in the menu: lower first

    def active(self, path: str) -> bool:
        """Whether the page at ``path`` belongs here: the entry's page or one below it; the start page
        only itself (every path is below "/")."""
        return path == self.path if self.path == "/" else path.startswith(self.path)


@dataclass(frozen=True)
class Feature:
    """The routes of one views module and its menu entries."""

    name: str
    routes: web.RouteTableDef
    nav: tuple[NavEntry, ...] = ()


def collect(package: ModuleType) -> tuple[Feature, ...]:
    """Every ``FEATURE`` of the modules in ``package``, in module-name order.

    A module that has routes but declares no feature is an error at start-up, not a page that silently
    does not exist."""
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        feature = getattr(module, ATTRIBUTE, None)
        if isinstance(feature, Feature):
            found.append(feature)
        elif isinstance(getattr(module, "routes", None), web.RouteTableDef):
            raise TypeError(f"{module.__name__} has routes but no {ATTRIBUTE} = Feature(...)")
    return tuple(found)


def menu(features: Iterable[Feature]) -> tuple[NavEntry, ...]:
    """All the menu entries in menu order."""
    return tuple(sorted((entry for f in features for entry in f.nav), key=lambda e: (e.order, e.path)))


def menu_for(user: User | None, entries: Iterable[NavEntry]) -> list[NavEntry]:
    """The entries this user may open; none for a visitor who is not logged in."""
    return [] if user is None else [e for e in entries if allows(user, e.permission)]
