"""The recordings pages: the list with its filters, the player, notes and tags, the access log.

Thin: parse, ask ``services.recordings`` (which decides who may hear what and logs every playback), render.
The audio itself, the download and the waveform are in ``recording_media``; the JSON API in
``recordings_api``.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.accounts.permissions import Permission, allows
from ctid.core.errors import N_, ValidationError
from ctid.recording.models import Recording
from ctid.web import forms, recording_forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import render
from ctid.web.results import wrap_up_context
from ctid.web.views.crm_prospect_pages import branch_staff
from ctid.web.views.form_errors import form_error

routes = web.RouteTableDef()
FEATURE = Feature(
    "recordings",
    routes,
    nav=(NavEntry(N_("Recordings"), "/recordings", Permission.RECORDINGS_OWN, order=60),),
)

SPEEDS = (0.75, 1.0, 1.25, 1.5, 2.0)
# statuses a page may show (marked for the extractor; templates translate them with _(status))
STATUS_LABELS = (
    N_("recording"),
    N_("finished"),
    N_("ready"),
    N_("repaired"),
    N_("failed"),
    N_("deleted"),
    N_("play"),
    N_("download"),
    N_("delete"),
)


def recording_id(request: web.Request) -> int:
    return forms.integer(request.match_info, "id", 1, forms.MAX_ID)


def clock(seconds: float | None) -> str:
    """A duration as people read it on a player: 0:07, 12:34, 1:02:03."""
    if seconds is None:
        return ""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def file_size(size: int | None) -> str:
    if size is None:
        return ""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"


def _tz(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[SERVICES].config.site.timezone)


@routes.get("/recordings")
@requires(Permission.RECORDINGS_OWN)
async def recordings_page(request: web.Request) -> web.Response:
    services, user = request.app[SERVICES], current(request).user
    where = recording_forms.recording_filter(request.query, _tz(request))
    page = await services.recordings.search(user, where)
    everyone = allows(user, Permission.RECORDINGS_ALL)
    context: dict[str, Any] = {
        "page": page,
        "query": request.query,
        "lines": services.console.branch_lines(user),
        "staff": await branch_staff(request) if everyone else [],
        "alert": services.recordings.alert(),
        "customer_name": _customer_name(page.items, where.customer_id),
        "line_labels": _line_labels(request),
        "clock": clock,
        **await wrap_up_context(request),
    }
    return render(request, "recordings/list.html", context)


def _line_labels(request: web.Request) -> dict[str, str]:
    """Every line's label by its key: a recording of another branch's or a removed line keeps its key."""
    return {info.name: info.label for info in request.app[SERVICES].lines.infos()}


def _customer_name(items: list[Recording], customer_id: int | None) -> str | None:
    """The name of the customer the list is filtered by (the rows carry it: no second read)."""
    return next((r.customer_name for r in items if customer_id and r.customer_id == customer_id), None)


@routes.get("/recordings/{id:\\d+}")
@requires(Permission.RECORDINGS_OWN)
async def recording_page(request: web.Request) -> web.Response:
    return await _player(request)


async def _player(request: web.Request, refused: dict[str, Any] | None = None) -> web.Response:
    """The player; after a refused note or tags, with the error, the field marked and what was typed."""
    user = current(request).user
    recording = await request.app[SERVICES].recordings.get(user, recording_id(request))
    context = {
        **(refused or {}),
        "recording": recording,
        "call_day": recording.started_at.astimezone(_tz(request)).date().isoformat(),
        "speeds": SPEEDS,
        "clock": clock,
        "file_size": file_size,
        "can_download": allows(user, Permission.RECORDINGS_DOWNLOAD),
        "line_labels": _line_labels(request),
    }
    return render(request, "recordings/player.html", context, status=422 if refused else 200)


@routes.post("/recordings/{id:\\d+}/note")
@requires(Permission.RECORDINGS_OWN)
async def note_form(request: web.Request) -> web.Response:
    form, recording = await request.post(), recording_id(request)
    try:
        note = recording_forms.note(form)
        services = request.app[SERVICES]
        await services.recordings.save_note(actor(request), current(request).user, recording, note)
    except ValidationError as exc:
        return await _player(request, {"form": form, **form_error(request, exc)})
    raise web.HTTPSeeOther(f"/recordings/{recording}#notes")


@routes.post("/recordings/{id:\\d+}/tags")
@requires(Permission.RECORDINGS_OWN)
async def tags_form(request: web.Request) -> web.Response:
    form, recording = await request.post(), recording_id(request)
    try:
        tags = recording_forms.tags(form)
        services = request.app[SERVICES]
        await services.recordings.set_tags(actor(request), current(request).user, recording, tags)
    except ValidationError as exc:
        return await _player(request, {"form": form, **form_error(request, exc)})
    raise web.HTTPSeeOther(f"/recordings/{recording}#notes")


@routes.get("/recordings/access")
@requires(Permission.RECORDINGS_ACCESS_LOG)
async def access_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    where = recording_forms.access_filter(request.query, _tz(request))
    page = await services.recordings.access_log(current(request).user, where)
    ids = {e.user_id for e in page.items if e.user_id is not None}
    users = await services.accounts.users.users_by_ids(ids) if ids else {}
    names = {user_id: user.label for user_id, user in users.items()}  # display names; user names on hover
    return render(request, "recordings/access.html", {"page": page, "query": request.query, "names": names})
