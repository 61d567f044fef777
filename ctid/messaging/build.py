"""From a ``[[sms.senders]]`` entry to a sender: the one place that knows which driver is which class."""

from __future__ import annotations

from ctid.core.config import (
    AliyunSmsOptions,
    GsmModemSmsOptions,
    HttpSmsOptions,
    SmsSenderConfig,
    TencentSmsOptions,
)
from ctid.messaging.aliyun_sms import AliyunSmsSender
from ctid.messaging.gsm_modem import GsmModemSender
from ctid.messaging.http_gateway import TemplateHttpSender
from ctid.messaging.senders import OnDelivery, OnIncoming, SmsSender
from ctid.messaging.tencent_sms import TencentSmsSender


def build_sender(entry: SmsSenderConfig, on_delivery: OnDelivery, on_incoming: OnIncoming) -> SmsSender:
    """The sender an entry describes, not started. ``on_delivery`` and ``on_incoming`` hear a modem's
    delivery reports and replies; the HTTP gateways report delivery by callbacks of their own (not
    received yet), so they do not call them."""
    options = entry.options
    if isinstance(options, GsmModemSmsOptions):
        return GsmModemSender(entry.name, options, on_delivery, on_incoming)
    if isinstance(options, HttpSmsOptions):
        return TemplateHttpSender(entry.name, options)
    if isinstance(options, AliyunSmsOptions):
        return AliyunSmsSender(entry.name, options)
    if isinstance(options, TencentSmsOptions):
        return TencentSmsSender(entry.name, options)
    raise ValueError(f"no sender for the {entry.driver!r} driver")
