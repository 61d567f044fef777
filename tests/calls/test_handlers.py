"""Who may be on a call now (``CallHandlers.busy``), each backend: the operator a call was dialled for,
and for an answered call nobody took, everyone who was ready on its line; free again when it ends. A
progressive campaign gives its next call to none of them."""

from __future__ import annotations

from datetime import UTC, datetime

from ctid.accounts.agents import Agents
from ctid.accounts.models import Role
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.users import NewUser
from ctid.audit.models import Actor
from ctid.calls.events import CallHandled
from ctid.calls.handlers import CallHandlers
from ctid.core.events import EventBus
from ctid.storage.db import Database
from ctid.voicecard.events import CallAnswered, CallDialing, CallEnded, CallRinging
from tests.support.site import fast_passwords

AT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
ACTOR = Actor.system("test")


def _ended(call_id: str, line: str, direction: str) -> CallEnded:
    return CallEnded(line=line, at=AT, call_id=call_id, direction=direction, outcome="answered",  # type: ignore[arg-type]
                     reason="hangup", rings=1, duration_s=5.0, talk_s=4.0)  # fmt: skip


async def test_who_may_be_on_a_call(db: Database) -> None:
    bus = EventBus()
    agents = Agents(db, bus, lambda: AT)
    handlers = CallHandlers(bus, agents, lambda: AT)
    handled: list[CallHandled] = []
    bus.subscribe(CallHandled, handled.append)
    await handlers.start()
    accounts = AccountService(db, LoginThrottle(), hasher=fast_passwords(), clock=lambda: AT)
    home = (await accounts.branches.default_branch()).id
    olga, erin, sam = [
        (await accounts.users.create_user(ACTOR, NewUser(name, Role.OPERATOR, home, name.title(),
                                                          "a long password 1", False)))[0]
        for name in ("olga", "erin", "sam")
    ]  # fmt: skip
    await agents.connected(olga, frozenset({"front"}))
    await agents.connected(erin, frozenset({"front"}))
    await agents.connected(sam, frozenset({"back"}))
    for user in (olga, erin, sam):
        await agents.choose(user, "ready")
    assert handlers.busy() == frozenset()

    # an inbound call on "front" answered with two ready there: either may be on it
    bus.publish(CallRinging(line="front", at=AT, call_id="in1", ring_count=1, tag=None))
    assert handlers.busy() == frozenset(), "ringing: nobody is talking yet"
    bus.publish(CallAnswered(line="front", at=AT, call_id="in1", by="handset"))
    assert handlers.busy() == {olga.id, erin.id}

    # a campaign's call dialled for sam on "back": sam's, credited in the call log as dialled
    bus.publish(CallDialing(line="back", at=AT, call_id="out1", number="13800138000"))
    handlers.dialled_for("out1", "back", sam.id)
    assert handlers.busy() == {olga.id, erin.id, sam.id}
    assert (handled[-1].call_id, handled[-1].user_id, handled[-1].label, handled[-1].how) == (
        "out1", sam.id, "Sam", "dialled")  # fmt: skip

    bus.publish(_ended("in1", "front", "inbound"))
    assert handlers.busy() == {sam.id}
    bus.publish(_ended("out1", "back", "outbound"))
    assert handlers.busy() == frozenset()
    await handlers.stop()
