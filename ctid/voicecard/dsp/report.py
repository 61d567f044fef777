"""What the decoder heard, as the JSON lines ``ctid callerid decode`` prints for installers."""

from __future__ import annotations

from typing import Any

from ctid.voicecard.dsp.decoder import Heard, HeardCallerId, HeardDigit, RejectedFrame


def heard_json(heard: Heard, *, verbose: bool = False) -> dict[str, Any] | None:
    """Caller ID as ``number``, ``name``, ``reason``, ``format``, ``time_s``; with ``verbose`` also the raw
    frame or digits, the tone plan and the exchange's date, refused frames (``error``) and loose DTMF digits
    (``digit``). None for what is left out."""
    time_s = round(heard.time_s, 3)
    if isinstance(heard, HeardCallerId):
        caller_id = heard.caller_id
        line: dict[str, Any] = {
            "number": caller_id.number,
            "name": caller_id.name,
            "reason": caller_id.reason,
            "format": heard.format,
            "time_s": time_s,
        }
        if verbose:
            line.update(when=caller_id.when, plan=heard.plan, raw=heard.raw)
        return line
    if not verbose:
        return None
    if isinstance(heard, RejectedFrame):
        return {"error": heard.error, "format": "fsk", "time_s": time_s, "plan": heard.plan, "raw": heard.raw}
    assert isinstance(heard, HeardDigit)
    return {"digit": heard.digit, "format": "dtmf-digit", "time_s": time_s}
