"""Who may see and change which CRM records: one set of rules for every CRM service.

Admins work across branches; everyone else sees only their own branch, and another branch's records do not
exist for them (NotFound, as in the console), so an id guessed in a URL tells nothing. Services check the
permission again (the routes do too) so the CLI and the API cannot do what the pages would not.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import store as accounts
from ctid.accounts.branch_scope import branch_scope as branch_scope  # the CRM's services use them here
from ctid.accounts.branch_scope import narrowed as narrowed
from ctid.accounts.branch_scope import visible as visible
from ctid.accounts.models import Role, User
from ctid.accounts.permissions import Permission, allows
from ctid.core.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError


class Taken(Conflict):
    """A value that must be unique (a plate in its branch, a VIN, a catalogue code) is already used:
    409, naming the field so a form can point at it."""

    def __init__(self, field: str, message: str, /, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


def require(user: User, permission: Permission) -> None:
    if not allows(user, permission):
        raise PermissionDenied(N_("You are not allowed to do this."))


def require_visible(user: User, branch_id: int, message: str) -> None:
    """NotFound (with ``message``, e.g. "No such customer.") when the record is in another branch."""
    if not visible(user, branch_id):
        raise NotFound(message)


async def branch_for_new(conn: AsyncConnection, user: User, requested: int | None) -> int:
    """The branch a new record goes to: the user's own, or (admins only) the one asked for."""
    if requested is None or requested == user.branch_id:
        return user.branch_id
    if user.role != Role.ADMIN:
        raise PermissionDenied(N_("You are not allowed to do this."))
    if await accounts.get_branch(conn, requested) is None:
        raise ValidationError("branch_id", N_("No such branch."))
    return requested


async def require_staff(conn: AsyncConnection, branch_id: int, user_id: int | None, field: str) -> None:
    """``user_id`` (an assignee, a handler) is an active user of the branch, or an admin; None is fine."""
    if user_id is None:
        return
    staff = await accounts.get_user(conn, user_id)
    if staff is None or not staff.active or not visible(staff, branch_id):
        raise ValidationError(field, N_("No such user in this branch."))
