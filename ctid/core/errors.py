"""Domain errors. Services raise these; the web maps them to HTTP in one middleware.

Messages are English templates with ``%(name)s`` parameters so the web can translate them (the templates
are marked with ``N_`` where they are raised, for extraction) and fill the parameters afterwards.

The fixed arguments (message, field, retry_after) are positional-only so that any parameter name is free
for a template: ``ValidationError(name, N_("%(field)s is required."), field=name)`` must not collide.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


class CtidError(Exception):
    code = "error"

    def __init__(self, message: str, /, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


class NotAuthenticated(CtidError):
    code = "not_authenticated"


class PermissionDenied(CtidError):
    code = "forbidden"


class PasswordChangeRequired(PermissionDenied):
    """A user who must change their password may do nothing else first (403, a code programs can tell)."""

    code = "password_change_required"


class NotFound(CtidError):
    code = "not_found"


class Conflict(CtidError):
    code = "conflict"


class Throttled(CtidError):
    code = "throttled"

    def __init__(self, message: str, retry_after: float, /, **params: Any) -> None:
        super().__init__(message, **params)
        self.retry_after = retry_after


class ValidationError(CtidError):
    """Bad input: says which field and what was wrong with it."""

    code = "invalid"

    def __init__(self, field: str, message: str, /, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field
