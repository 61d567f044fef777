"""The order in which the hub hands a pop out: the operators who answer the line before those who watch it.

Transports here are recorders (the order of ``write`` calls is what is under test); delivery through real
sockets is covered in test_pops.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, cast

from aiohttp import web

from ctid.accounts.models import Role, User
from ctid.core.events import EventBus
from ctid.screenpop.service import PopEvent
from ctid.web.hub import Client, Hub


@dataclass
class Recorder:
    order: list[str]
    name: str
    closed: bool = False
    sent: list[bytes] = field(default_factory=list)

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0

    def write(self, data: bytes) -> None:
        self.order.append(self.name)
        self.sent.append(data)


def client(order: list[str], name: str, role: Role, lines: set[str], branch: int = 1) -> Client:
    user = User(1, name, name, role, branch, None, True, False, datetime.now(UTC), None)
    recorder = Recorder(order, name)
    return Client(user, frozenset(lines), cast(web.WebSocketResponse, recorder), cast(Any, recorder))


def test_operators_of_the_line_come_before_supervisors_whatever_the_connection_order() -> None:
    order: list[str] = []
    hub = Hub(EventBus())
    for i in range(20):
        hub.add(client(order, f"sup{i}", Role.SUPERVISOR, {"front", "back"}))
    hub.add(client(order, "admin", Role.ADMIN, {"front", "back"}))
    hub.add(client(order, "olga", Role.OPERATOR, {"front"}))
    hub.add(client(order, "back-op", Role.OPERATOR, {"back"}))
    hub.add(client(order, "other-branch", Role.OPERATOR, {"front"}, branch=2))
    hub.deliver(PopEvent(line="front", branch_id=1, message={"type": "call.ringing"}))
    assert order[0] == "olga"
    assert set(order[1:]) == {f"sup{i}" for i in range(20)} | {"admin"}
    assert "back-op" not in order and "other-branch" not in order


def test_every_recipient_gets_the_same_frame() -> None:
    order: list[str] = []
    hub = Hub(EventBus())
    clients = [client(order, f"op{i}", Role.OPERATOR, {"front"}) for i in range(3)]
    for c in clients:
        hub.add(c)
    hub.deliver(PopEvent(line="front", branch_id=1, message={"type": "call.ringing", "n": "张伟"}))
    frames = {cast(Recorder, c.transport).sent[0] for c in clients}
    assert len(frames) == 1 and "张伟".encode() in frames.pop()


def test_a_dialled_call_goes_to_its_dialler_alone() -> None:
    order: list[str] = []
    hub = Hub(EventBus())
    olga = client(order, "olga", Role.OPERATOR, {"front"})
    olga.user = replace(olga.user, id=7)
    hub.add(olga)
    hub.add(client(order, "bob", Role.OPERATOR, {"front"}))
    hub.add(client(order, "sup", Role.SUPERVISOR, {"front"}))
    hub.deliver(PopEvent(line="front", branch_id=1, message={"type": "call.dialing"}, user_id=7))
    assert order == ["olga"]
    hub.deliver(PopEvent(line="front", branch_id=1, message={"type": "line.status"}))
    assert sorted(order[1:]) == ["bob", "olga", "sup"]  # the line's own news still reaches everyone
