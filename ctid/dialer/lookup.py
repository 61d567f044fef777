"""A campaign as a user may see it, and a contact of it: the lookups every dialer service starts with.

Why one place: the answer for another branch's campaign must be the same "no such campaign" as for none
at all (a user learns nothing of other branches), and a contact id of another campaign the same as none.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.core.errors import N_, NotFound
from ctid.crm import scope
from ctid.dialer import store
from ctid.dialer.records import Campaign, Contact

NO_SUCH_CAMPAIGN = N_("No such campaign.")
NO_SUCH_CONTACT = N_("No such contact in this campaign.")


async def visible_campaign(
    conn: AsyncConnection, user: User, campaign_id: int, missing: str = NO_SUCH_CAMPAIGN
) -> Campaign:
    """The campaign, if it is of the user's branch (an admin's: any); NotFound(``missing``) otherwise."""
    found = await store.get_campaign(conn, campaign_id)
    if found is None:
        raise NotFound(missing)
    scope.require_visible(user, found.branch_id, missing)
    return found


async def campaign_contact(conn: AsyncConnection, campaign_id: int, contact_id: int) -> Contact:
    """The contact, if it is one of this campaign's; NotFound otherwise."""
    contact = await store.get_contact(conn, contact_id)
    if contact is None or contact.campaign_id != campaign_id:
        raise NotFound(NO_SUCH_CONTACT)
    return contact
