"""Recordings in the JSON API (/api/v1/recordings): the same service and the same filters as the pages.

The audio and the download are the pages' URLs (``/recordings/{id}/audio``, ``/download``), which take a
Bearer token as well; each item names them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, ValidationError
from ctid.recording.models import AccessEntry, Recording
from ctid.web import forms, recording_forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import jsonable, page_json, read_object
from ctid.web.keys import SERVICES
from ctid.web.views.recordings import recording_id

routes = web.RouteTableDef()
FEATURE = Feature("recordings_api", routes)

MAX_LINKS = 200
HIDDEN = ("path", "tags")  # a path inside the data dir is no one's business; tags go out as a list


def recording_json(recording: Recording) -> dict[str, Any]:
    fields = {k: v for k, v in asdict(recording).items() if k not in HIDDEN}
    return dict(
        jsonable(fields),
        tags=recording.tag_list,
        playable=recording.playable,
        media_type=recording.media_type,
        page_url=f"/recordings/{recording.id}",
        audio_url=f"/recordings/{recording.id}/audio",
        download_url=f"/recordings/{recording.id}/download",
    )


def access_json(entry: AccessEntry) -> dict[str, Any]:
    return dict(jsonable(asdict(entry)))


def _tz(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[SERVICES].config.site.timezone)


@routes.get("/api/v1/recordings")
@requires(Permission.RECORDINGS_OWN)
async def list_recordings(request: web.Request) -> web.Response:
    where = recording_forms.recording_filter(request.query, _tz(request))
    page = await request.app[SERVICES].recordings.search(current(request).user, where)
    return web.json_response(page_json(page, [recording_json(r) for r in page.items]))


@routes.get("/api/v1/recordings/{id:\\d+}")
@requires(Permission.RECORDINGS_OWN)
async def get_recording(request: web.Request) -> web.Response:
    recording = await request.app[SERVICES].recordings.get(current(request).user, recording_id(request))
    return web.json_response({"recording": recording_json(recording)})


@routes.put("/api/v1/recordings/{id:\\d+}/note")
@requires(Permission.RECORDINGS_OWN)
async def put_note(request: web.Request) -> web.Response:
    note = recording_forms.note(await read_object(request, ("note",)))
    recordings, user = request.app[SERVICES].recordings, current(request).user
    recording = await recordings.save_note(actor(request), user, recording_id(request), note)
    return web.json_response({"recording": recording_json(recording)})


@routes.put("/api/v1/recordings/{id:\\d+}/tags")
@requires(Permission.RECORDINGS_OWN)
async def put_tags(request: web.Request) -> web.Response:
    tags = recording_forms.tags(await read_object(request, ("tags",)))
    recordings, user = request.app[SERVICES].recordings, current(request).user
    recording = await recordings.set_tags(actor(request), user, recording_id(request), tags)
    return web.json_response({"recording": recording_json(recording)})


@routes.get("/api/v1/recordings/access")
@requires(Permission.RECORDINGS_ACCESS_LOG)
async def access_log(request: web.Request) -> web.Response:
    where = recording_forms.access_filter(request.query, _tz(request))
    page = await request.app[SERVICES].recordings.access_log(current(request).user, where)
    return web.json_response(page_json(page, [access_json(e) for e in page.items]))


@routes.get("/api/v1/recordings/links")
@requires(Permission.RECORDINGS_OWN)
async def links(request: web.Request) -> web.Response:
    """``?call=<id>&call=<id>...``: which of these calls have a recording I may hear (the console's card)."""
    calls = request.query.getall("call", [])
    if len(calls) > MAX_LINKS:
        raise ValidationError("call", N_("At most %(count)d calls at once."), count=MAX_LINKS)
    call_ids = [c for c in (forms.call_id({"call": c}, "call") for c in calls) if c]
    found = await request.app[SERVICES].recordings.links(current(request).user, call_ids)
    return web.json_response({"links": found})
