"""The rule of who handled a call, pure (ctid.calls.attribution)."""

from __future__ import annotations

from ctid.calls.attribution import (
    DIALLED,
    NOBODY,
    NOTE,
    ONLY_READY,
    TOOK,
    Handler,
    answered_by,
    missed_against,
    outranks,
)


def test_an_answered_call_is_the_taker_s_else_the_only_ready_operator_s() -> None:
    assert answered_by(7, {3, 4}) == Handler(7, TOOK)
    assert answered_by(None, {3}) == Handler(3, ONLY_READY)
    assert answered_by(None, {3, 4}) == NOBODY  # several ready: the note writer will say
    assert answered_by(None, set()) == NOBODY


def test_a_surer_reason_replaces_a_weaker_one_and_the_dialler_stays() -> None:
    assert outranks(Handler(7, TOOK), Handler(3, ONLY_READY))
    assert outranks(Handler(3, ONLY_READY), NOBODY)
    assert outranks(Handler(5, NOTE), NOBODY)
    assert not outranks(Handler(5, NOTE), Handler(3, ONLY_READY))
    assert not outranks(Handler(7, TOOK), Handler(2, DIALLED))
    assert not outranks(NOBODY, Handler(3, ONLY_READY))


def test_a_missed_inbound_call_counts_against_everyone_ready_while_it_rang() -> None:
    assert missed_against("missed", "inbound", {3, 4}) == {3, 4}
    assert missed_against("answered", "inbound", {3, 4}) == set()
    assert missed_against("failed", "outbound", {3}) == set()
