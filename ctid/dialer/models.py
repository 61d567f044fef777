"""The dialer's words: campaigns, their contacts and the attempts at them, what came of an attempt, and why a
contact is not being dialled now.

Shared by the pure decisions (calling hours, retries, eligibility, pacing), the store and the pages, so each
part names a thing the same way. The values are stored: they never change once released; labels for
people live in the web's translations.
"""

from __future__ import annotations

from enum import StrEnum


class CampaignMode(StrEnum):
    PREVIEW = "preview"  # an operator sees the next card and dials it, or skips it with a reason
    PROGRESSIVE = "progressive"  # a ready operator and a free line: the next contact is dialled for them
    BROADCAST = "broadcast"  # unattended: a prompt played when answered, DTMF answers recorded


class CampaignState(StrEnum):
    DRAFT = "draft"  # being set up: never dials
    RUNNING = "running"
    PAUSED = "paused"  # by a person; stays paused across a restart
    STOPPED = "stopped"  # by a person, for good
    FINISHED = "finished"  # every contact done or out of attempts


class ContactStatus(StrEnum):
    PENDING = "pending"  # to be dialled (now or after its retry delay)
    DIALLING = "dialling"  # an attempt in flight: never two at once
    DONE = "done"  # a final result (reached, confirmed, opted out, wrong number, max attempts)
    EXCLUDED = "excluded"  # taken out of the campaign by a person (with a reason)


class AttemptResult(StrEnum):
    """What came of one attempt: the modem's result codes and DLE events, the operator's wrap-up, the
    DTMF answers of a broadcast."""

    ANSWERED = "answered"  # spoken to (the operator's result follows as the outcome)
    BUSY = "busy"  # BUSY, DLE b
    NO_ANSWER = "no_answer"  # NO ANSWER, ringback that stopped unanswered
    NO_CARRIER = "no_carrier"  # NO CARRIER: hung up, or a line that dropped
    NO_DIALTONE = "no_dialtone"  # the line's fault, not the contact's: does not count as an attempt
    FAILED = "failed"  # the modem refused the dial (ERROR), the line went away
    UNKNOWN = "unknown"  # in flight when the daemon stopped: waits its retry delay, never redialled blindly
    CONFIRMED = "confirmed"  # DTMF 1: books, or asks for the call back the campaign offers
    CALL_BACK = "call_back"  # DTMF 2, or the operator set a call back
    OPTED_OUT = "opted_out"  # DTMF 9: no more calls
    DECLINED = "declined"  # spoken to: does not want it
    WRONG_NUMBER = "wrong_number"
    SKIPPED = "skipped"  # a preview card skipped by the operator (with a reason)


# An attempt with one of these closes the contact; the others feed the retry rules.
FINAL_RESULTS = frozenset(
    {
        AttemptResult.ANSWERED,
        AttemptResult.CONFIRMED,
        AttemptResult.OPTED_OUT,
        AttemptResult.DECLINED,
        AttemptResult.WRONG_NUMBER,
    }
)
# Results that are the line's fault, not the contact's: they do not use up an attempt.
LINE_FAULTS = frozenset({AttemptResult.NO_DIALTONE, AttemptResult.FAILED})


class WhyNot(StrEnum):
    """Why a contact is not being dialled now: the live page shows it for any contact, and the runner
    dials only a contact with no reason (the same function answers both)."""

    CAMPAIGN_NOT_RUNNING = "campaign_not_running"
    OUTSIDE_HOURS = "outside_hours"
    DAY_OFF = "day_off"  # a statutory holiday or the site's own day off
    DONE = "done"  # a final result, or taken out of the campaign
    MAX_ATTEMPTS = "max_attempts"
    IN_FLIGHT = "in_flight"  # an attempt is being made now
    WAITING_RETRY = "waiting_retry"
    CALL_BACK_LATER = "call_back_later"  # a call back set for a later time
    DO_NOT_CALL = "do_not_call"  # on the global list, or excluded from this campaign
    OPTED_OUT = "opted_out"  # refused this kind of call (the CRM's opt-outs)
    CONTACTED_RECENTLY = "contacted_recently"
    NO_NUMBER = "no_number"
    NO_FREE_LINE = "no_free_line"
    NO_READY_OPERATOR = "no_ready_operator"
