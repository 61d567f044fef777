"""Roles grant permissions; routes and services ask for permissions, never for roles.

Asking for a permission rather than a role keeps the check readable at the route ("may this user manage
users?") and lets a later issue grant one extra right without touching every view.
"""

from __future__ import annotations

from enum import StrEnum

from ctid.accounts.models import Role, User
from ctid.core.errors import N_


class Permission(StrEnum):
    USE_CONSOLE = "console.use"
    VIEW_CALLS = "calls.view"
    VIEW_LINES = "lines.view"
    MANAGE_OWN_ACCOUNT = "account.own"
    MANAGE_USERS = "users.manage"
    MANAGE_BRANCHES = "branches.manage"
    VIEW_AUDIT = "audit.view"
    MANAGE_ALL_TOKENS = "tokens.manage_all"
    VIEW_SYSTEM = "system.view"
    CRM_VIEW = "crm.view"  # customers, vehicles, visits, follow-ups of the user's branch
    CRM_EDIT = "crm.edit"  # add and change them (operators add customers from the pop)
    CRM_MANAGE = "crm.manage"  # what undoes history: mileage corrections, later deleting and merging
    MANAGE_CATALOGUE = "crm.catalogue"  # the service items and their prices
    CRM_IMPORT = "crm.import"  # import customer files (writes thousands of records at once) and export them
    CRM_OPTIONS = "crm.options"  # base data: prospect levels, sources, competitor models, lost reasons
    MANAGE_ANNOUNCEMENTS = "announcements.manage"  # post and delete announcements on the start page
    BOARD_VIEW = "board.view"  # the live board: the branch's lines and operators as they are now
    STATS_VIEW = "stats.view"  # the statistics page: new and lost customers, follow-ups, prospects, calls
    RECORDINGS_OWN = "recordings.own"  # list and hear the recordings of one's own calls; pause/resume them
    RECORDINGS_ALL = "recordings.all"  # list and hear every recording of the branch
    RECORDINGS_DOWNLOAD = "recordings.download"  # download recording files
    RECORDINGS_ACCESS_LOG = "recordings.access_log"  # who played and downloaded which recording
    MANAGE_WRAP_UP = "calls.wrap_up"  # the list of results a call may be given (咨询, 预约, 投诉...)
    APPOINTMENTS = "appointments.book"  # see, book, move and mark service appointments (预约)
    REMINDERS_WORK = "reminders.work"  # work the reminder worklist: outcomes, notes, snoozes, take an item
    REMINDERS_MANAGE = "reminders.manage"  # build the day's queue now, give items to others
    REMINDERS_SETTINGS = "reminders.settings"  # the reminder types' settings and the inspection rule table
    SMS_SEND = "sms.send"  # send one SMS (customer page, pop) and read the branch's SMS history
    SMS_BULK = "sms.bulk"  # send an SMS to every customer of a search
    SMS_TEMPLATES = "sms.templates"  # the SMS templates and presets (automatic sending on or off)
    CAMPAIGNS_MANAGE = "campaigns.manage"  # make, start, pause and stop dialer campaigns


_EVERYONE = {
    Permission.USE_CONSOLE,
    Permission.MANAGE_OWN_ACCOUNT,
    Permission.VIEW_CALLS,
    Permission.VIEW_LINES,
    Permission.CRM_VIEW,
    Permission.CRM_EDIT,
    Permission.RECORDINGS_OWN,
    Permission.APPOINTMENTS,
    Permission.REMINDERS_WORK,
    Permission.SMS_SEND,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset(_EVERYONE),
    Role.ADVISOR: frozenset(_EVERYONE),  # 服务顾问: their start page is their worklist and appointments
    Role.SUPERVISOR: frozenset(
        _EVERYONE
        | {Permission.VIEW_SYSTEM, Permission.CRM_MANAGE, Permission.CRM_IMPORT, Permission.STATS_VIEW}
        | {
            Permission.BOARD_VIEW,
            Permission.REMINDERS_MANAGE,
            Permission.SMS_BULK,
            Permission.CAMPAIGNS_MANAGE,
        }
        | {Permission.RECORDINGS_ALL, Permission.RECORDINGS_DOWNLOAD, Permission.RECORDINGS_ACCESS_LOG}
    ),
    Role.ADMIN: frozenset(Permission),
}


ROLE_LABELS = {
    Role.ADMIN: N_("admin"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.OPERATOR: N_("operator"),
    Role.ADVISOR: N_("service advisor"),
}


def allows(user: User, permission: Permission) -> bool:
    return user.active and permission in ROLE_PERMISSIONS[user.role]
