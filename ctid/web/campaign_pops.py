"""Campaign calls on the operators' consoles: a call placed for an operator (a progressive call as it rings
out, or the preview card they dialled) pops its card on that operator's consoles only, and what came of it
follows (``ctid.web.campaign_messages``). Cards for the API are read the same way (``card_message``).

Why in the web layer: the dialer publishes its events and knows nobody who listens; the pops' layer may
not import the dialer (the same layer line). This joins them as the hub does the pops: it turns the
dialer's events into ``PopEvent``s for one user, which the hub delivers (``Client.sees``).
"""

from __future__ import annotations

import asyncio
import logging

from ctid.accounts.models import User
from ctid.core.errors import NotFound
from ctid.core.events import Unsubscribe
from ctid.core.tasks import TaskSet
from ctid.dialer.desk import Card
from ctid.dialer.events import CampaignAttemptEnded, CampaignCallPlaced
from ctid.screenpop.messages import Message, card_json
from ctid.screenpop.service import PopEvent
from ctid.services import Services
from ctid.web import campaign_messages

log = logging.getLogger(__name__)


async def customer_message(services: Services, user: User, found: Card) -> Message | None:
    """The pop's card of the contact's customer, as the operator may see it (None: no customer, or one
    gone or of another branch)."""
    customer_id = found.contact.customer_id
    if customer_id is None:
        return None
    try:
        customer = await services.console.card(user, customer_id)
    except NotFound:
        return None
    return card_json(customer, await services.console.recent_calls(customer))


def labels(services: Services, found: Card) -> dict[str, str]:
    plan = services.line_plan.current
    return {name: plan.label(name) for name in found.campaign.settings.lines}


async def card_message(services: Services, user: User, found: Card) -> Message:
    customer = await customer_message(services, user, found)
    return campaign_messages.card(found, customer, labels(services, found))


async def call_message(
    services: Services, user: User, found: Card, attempt_id: int, line: str, call_id: str
) -> Message:
    customer = await customer_message(services, user, found)
    return campaign_messages.call(found, customer, labels(services, found), attempt_id, line, call_id)


class CampaignPops:
    """Follows the dialer's events while the web app runs (started and stopped with the hub)."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._tasks = TaskSet()
        self._popping: dict[int, asyncio.Task[None]] = {}  # attempt -> its card being read: the end waits
        self._unsubscribe: list[Unsubscribe] = []

    def start(self) -> None:
        bus = self._services.bus
        self._unsubscribe = [
            bus.subscribe(CampaignCallPlaced, self._placed),
            bus.subscribe(CampaignAttemptEnded, self._ended),
        ]

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await self._tasks.cancel()

    def _placed(self, event: CampaignCallPlaced) -> None:
        if event.operator_id is None:  # a broadcast's call is nobody's
            return
        task = self._tasks.spawn(self._pop(event), f"campaign call {event.attempt_id}: its card")
        self._popping[event.attempt_id] = task
        task.add_done_callback(lambda _: self._popping.pop(event.attempt_id, None))

    async def _pop(self, event: CampaignCallPlaced) -> None:
        assert event.operator_id is not None
        try:
            user = await self._services.accounts.users.get_user(event.operator_id)
            found = await self._services.desk.card(event.campaign_id, event.contact_id)
            message = await call_message(
                self._services, user, found, event.attempt_id, event.line, event.call_id
            )
        except Exception:
            log.exception("campaign call %d: its card could not be read (the console shows no card)",
                          event.attempt_id)  # fmt: skip
            return
        self._publish(event.line, found.campaign.branch_id, message, event.operator_id)

    def _ended(self, event: CampaignAttemptEnded) -> None:
        if event.operator_id is None:
            return
        self._tasks.spawn(self._tell_end(event), f"campaign call {event.attempt_id}: its end")

    async def _tell_end(self, event: CampaignAttemptEnded) -> None:
        """After the call's card (a busy line can answer before the card is read)."""
        popping = self._popping.get(event.attempt_id)
        if popping is not None:
            await asyncio.wait([popping])
        try:
            user = await self._services.accounts.users.get_user(event.operator_id or 0)
        except NotFound:
            return
        self._publish(event.line, user.branch_id, campaign_messages.attempt_ended(event), user.id)

    def _publish(self, line: str, branch_id: int, message: Message, user_id: int) -> None:
        self._services.bus.publish(PopEvent(line=line, branch_id=branch_id, message=message, user_id=user_id))
