"""A recording's bytes: the audio the player streams, the download, the waveform picture.

The audio goes out through aiohttp's FileResponse, which answers ``Range`` with 206 and the asked bytes
(the browser seeks by asking for the part it needs) and reads the file off the loop. Each response first
asks the service to open the recording: that checks the rights and writes the access log (a playback's many
Range requests are one entry there). The waveform is drawn from peaks cached next to the file and
computed in a thread the first time.
"""

from __future__ import annotations

import asyncio
from typing import Literal
from zoneinfo import ZoneInfo

from aiohttp import hdrs, web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, Conflict, NotFound
from ctid.recording.models import Recording
from ctid.web import forms
from ctid.web.auth import client_address, current, requires
from ctid.web.feature import Feature
from ctid.web.keys import SERVICES
from ctid.web.views.recordings import recording_id
from ctid.web.waveform_svg import waveform_svg

routes = web.RouteTableDef()
FEATURE = Feature("recording_media", routes)

PRIVATE = "private, no-store"  # a recording never waits in a shared cache, nor in the browser's


def download_name(recording: Recording, zone: ZoneInfo) -> str:
    """An ASCII file name that sorts by time, the shop's time as the pages show it (not UTC's, hours off
    the call log): recording-42-20260322-140503.opus."""
    return (
        f"recording-{recording.id}-{recording.started_at.astimezone(zone):%Y%m%d-%H%M%S}.{recording.format}"
    )


async def _open(request: web.Request, action: Literal["play", "download"]) -> web.FileResponse:
    services, user = request.app[SERVICES], current(request).user
    agent = forms.header_text(request.headers.get(hdrs.USER_AGENT, ""), 200)
    where = client_address(request)
    recording, path = await services.recordings.open(user, recording_id(request), action, where, agent)
    headers = {hdrs.CONTENT_TYPE: recording.media_type, hdrs.CACHE_CONTROL: PRIVATE}
    if action == "download":
        name = download_name(recording, ZoneInfo(services.config.site.timezone))
        headers[hdrs.CONTENT_DISPOSITION] = f'attachment; filename="{name}"'
    return web.FileResponse(path, headers=headers)


@routes.get("/recordings/{id:\\d+}/audio")
@requires(Permission.RECORDINGS_OWN)
async def audio(request: web.Request) -> web.FileResponse:
    return await _open(request, "play")


@routes.get("/recordings/{id:\\d+}/download")
@requires(Permission.RECORDINGS_DOWNLOAD)
async def download(request: web.Request) -> web.FileResponse:
    return await _open(request, "download")


@routes.get("/recordings/{id:\\d+}/waveform.svg")
@requires(Permission.RECORDINGS_OWN)
async def waveform(request: web.Request) -> web.Response:
    """The picture shows no audio, so drawing it is not a playback and is not logged."""
    recordings = request.app[SERVICES].recordings
    recording = await recordings.get(current(request).user, recording_id(request))
    if not recording.playable:
        raise Conflict(N_("This recording is not ready to be played yet."))
    from ctid.recording.waveform import cached_peaks  # numpy: loaded by the first waveform asked for

    audio_file, cache = recordings.path_of(recording), recordings.peaks_file(recording)
    try:
        peaks = await asyncio.to_thread(cached_peaks, audio_file, cache)
    except FileNotFoundError:
        raise NotFound(N_("The file of this recording is missing.")) from None
    return web.Response(
        text=waveform_svg(peaks), content_type="image/svg+xml", headers={hdrs.CACHE_CONTROL: PRIVATE}
    )
