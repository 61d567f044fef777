"""The dialer's words as the pages show them (a campaign's mode and state, a contact's status, an
attempt's result, why a contact is not dialled now): msgids, translated where drawn."""

from __future__ import annotations

from ctid.core.errors import N_
from ctid.dialer.models import AttemptResult, CampaignMode, CampaignState, ContactStatus, WhyNot

MODE_LABELS = {
    CampaignMode.PREVIEW: N_("Preview"),
    CampaignMode.PROGRESSIVE: N_("Progressive"),
    CampaignMode.BROADCAST: N_("Voice broadcast"),
}
STATE_WORDS = {
    CampaignState.DRAFT: N_("Draft"),
    CampaignState.RUNNING: N_("Running"),
    CampaignState.PAUSED: N_("Paused"),
    CampaignState.STOPPED: N_("Stopped"),
    CampaignState.FINISHED: N_("Finished"),
}
CONTACT_WORDS = {
    ContactStatus.PENDING: N_("To dial"),
    ContactStatus.DIALLING: N_("Being dialled"),
    ContactStatus.DONE: N_("Done"),
    ContactStatus.EXCLUDED: N_("Excluded"),
}
RESULT_WORDS = {
    AttemptResult.ANSWERED: N_("Answered"),
    AttemptResult.BUSY: N_("Busy"),
    AttemptResult.NO_ANSWER: N_("No answer"),
    AttemptResult.NO_CARRIER: N_("Hung up / dropped"),
    AttemptResult.NO_DIALTONE: N_("No dial tone"),
    AttemptResult.FAILED: N_("Dial failed"),
    AttemptResult.UNKNOWN: N_("Unknown (daemon restarted)"),
    AttemptResult.CONFIRMED: N_("Confirmed"),
    AttemptResult.CALL_BACK: N_("Call back"),
    AttemptResult.OPTED_OUT: N_("Opted out"),
    AttemptResult.DECLINED: N_("Declined"),
    AttemptResult.WRONG_NUMBER: N_("Wrong number"),
    AttemptResult.SKIPPED: N_("Skipped"),
}
WHY_WORDS = {
    WhyNot.CAMPAIGN_NOT_RUNNING: N_("the campaign is not running"),
    WhyNot.OUTSIDE_HOURS: N_("outside calling hours"),
    WhyNot.DAY_OFF: N_("a day off (holiday)"),
    WhyNot.DONE: N_("done"),
    WhyNot.MAX_ATTEMPTS: N_("max attempts reached"),
    WhyNot.IN_FLIGHT: N_("being dialled now"),
    WhyNot.WAITING_RETRY: N_("waiting for a retry"),
    WhyNot.CALL_BACK_LATER: N_("a call back later"),
    WhyNot.DO_NOT_CALL: N_("do not call"),
    WhyNot.OPTED_OUT: N_("opted out"),
    WhyNot.CONTACTED_RECENTLY: N_("contacted recently"),
    WhyNot.NO_NUMBER: N_("no number"),
    WhyNot.NO_FREE_LINE: N_("no free line"),
    WhyNot.NO_READY_OPERATOR: N_("no ready operator"),
}
