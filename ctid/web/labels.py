"""Words the pages show for values that come from data (statuses, outcomes, reasons).

Templates translate them with ``_(value)``; marking them here lets the message extractor find them.
"""

from ctid.core.errors import N_

VALUE_LABELS = (
    # yes / no for stored flags
    N_("yes"),
    N_("no"),
    # directions
    N_("inbound"),
    N_("outbound"),
    # call outcomes and end reasons
    N_("answered"),
    N_("missed"),
    N_("connected"),
    N_("cancelled"),
    N_("busy"),
    N_("no answer"),
    N_("no carrier"),
    N_("no dial tone"),
    N_("error"),
    N_("unknown"),
    N_("line lost"),
    N_("caller hung up"),
    # line statuses
    N_("up"),
    N_("down"),
    N_("ringing"),
    N_("in call"),
    # why a number is absent
    N_("private"),
    N_("unavailable"),
    N_("anonymous"),
    # customers and vehicles
    N_("person"),
    N_("company"),
    N_("owner"),
    N_("user"),
    N_("driver"),
    # follow-ups and complaints
    N_("follow_up"),
    N_("complaint"),
    N_("open"),
    N_("in_progress"),
    # reminders
    N_("insurance"),
    N_("inspection"),
    N_("maintenance"),
    N_("birthday"),
    # prospects
    N_("registered"),
    N_("reviewed"),
    N_("following"),
    N_("won"),
    N_("lost"),
    # the reminder queue (ctid.reminders.models): the other types, channels, item statuses, outcomes
    N_("visit_follow_up"),
    N_("licence_review"),
    N_("warranty"),
    N_("holiday"),
    N_("custom"),
    N_("phone"),
    N_("sms"),
    N_("letter"),
    N_("email"),
    N_("snoozed"),
    N_("expired"),
    N_("reached"),
    N_("declined"),
    N_("wrong_number"),
    N_("no_answer"),
    N_("call_back"),
    N_("sent"),
    # the service advisor's role as the top bar shows it (_(user.role.value))
    N_("advisor"),
    # appointments (预约): statuses and where they were booked from
    N_("booked"),
    N_("arrived"),
    N_("done"),
    N_("no_show"),
    N_("reminder"),
    N_("pop"),
    N_("api"),
    # contact types a customer may opt out of (the reminder kinds, follow-ups and)
    N_("marketing"),
    N_("sms"),
    # SMS: a message's status and purpose, who sent it
    N_("queued"),
    N_("sending"),
    N_("sent"),
    N_("delivered"),
    N_("failed"),
    N_("service"),
    N_("automatic"),
    # reminder types a template may be the preset for (the others are above)
    N_("visit_follow_up"),
    N_("licence_review"),
    N_("warranty"),
    N_("holiday"),
    N_("no_show"),
    N_("custom"),
)
