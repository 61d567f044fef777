"""The supervisors' live board: each line of the branch (idle, ringing, in call, with whom, for how long)
and each operator (state, since, today's calls, answered, missed, talk time).

The page draws itself from the websocket: the lines from ``hello`` and the calls' own messages, which
supervisors already receive for every line of their branch; the operators from ``GET /api/v1/board``,
fetched again when an ``agent.state``, ``call.handled`` or ``call.ended`` says their figures changed.
"""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.agents import STATE_LABELS
from ctid.accounts.permissions import Permission
from ctid.core.errors import N_
from ctid.stats.operator_stats import BoardAgent
from ctid.web.auth import current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import _, render

routes = web.RouteTableDef()
FEATURE = Feature(
    "board",
    routes,
    nav=(NavEntry(N_("Live board"), "/board", Permission.BOARD_VIEW, order=25),),
)


@routes.get("/board")
@requires(Permission.BOARD_VIEW)
async def board_page(request: web.Request) -> web.Response:
    states = {state.value: _(request, label) for state, label in STATE_LABELS.items()}
    timezone = request.app[SERVICES].config.site.timezone
    return render(request, "board.html", {"states": states, "timezone": timezone})


@routes.get("/api/v1/board")
@requires(Permission.BOARD_VIEW)
async def board_json(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].operator_stats.board(current(request).user)
    return web.json_response({"agents": [_agent_json(a) for a in found]})


def _agent_json(agent: BoardAgent) -> dict[str, object]:
    status, today = agent.status, agent.today
    return {
        "id": status.user.id,
        "label": status.user.label,
        "state": status.state.value,
        "since": status.since.isoformat() if status.since else None,
        "calls": today.calls,
        "answered": today.answered,
        "missed": today.missed,
        "talk_s": round(today.talk_s, 1),
    }
