"""Which branch's records a user may see: one rule for the CRM, the call log, the lines and the recordings.

Admins work across branches (a list may be narrowed to one with a branch filter); everyone else sees only
their own branch. A record that belongs to no branch (a call on a line since removed from the config, a
recording made before its line's branch was checked) is an admin's: nobody else can tell where it belongs.
"""

from __future__ import annotations

from ctid.accounts.models import Role, User

NO_BRANCH = -1
"""A branch filter that matches nothing (a non-admin asking for another branch)."""


def branch_scope(user: User) -> int | None:
    """The branch a user's lists are limited to; None for admins (every branch)."""
    return None if user.role == Role.ADMIN else user.branch_id


def narrowed(user: User, requested: int | None) -> int | None:
    """A list's branch filter: what was asked for, within what the user may see (a non-admin asking for
    another branch gets that branch's nothing: NO_BRANCH matches no branch)."""
    scope = branch_scope(user)
    if scope is None or requested in (None, scope):
        return requested if scope is None else scope
    return NO_BRANCH


def visible(user: User, branch_id: int | None) -> bool:
    """A record of ``branch_id`` (None: of no branch, an admin's) is this user's to see."""
    return user.role == Role.ADMIN or (branch_id is not None and user.branch_id == branch_id)
