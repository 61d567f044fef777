"""Typed keys for the aiohttp app and request state."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from ctid.accounts.models import Session, User
from ctid.services import Services
from ctid.web.feature import NavEntry
from ctid.web.hub import Hub
from ctid.web.i18n import Catalogs, Translator


@dataclass(frozen=True)
class Identity:
    """Who is making this request and how they proved it."""

    user: User
    session: Session | None = None
    session_secret: str | None = None

    @property
    def via_token(self) -> bool:
        return self.session is None


SERVICES = web.AppKey("services", Services)
CATALOGS = web.AppKey("catalogs", Catalogs)
HUB = web.AppKey("hub", Hub)
NAV: web.AppKey[tuple[NavEntry, ...]] = web.AppKey("nav")  # the main menu, every entry in order

IDENTITY = web.RequestKey("ctid.identity", Identity)
LOCALE = web.RequestKey("ctid.locale", Translator)
