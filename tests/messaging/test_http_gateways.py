"""The HTTP gateway senders against a local gateway that checks their signatures by its own reckoning."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.core.config import AliyunSmsOptions, HttpSmsOptions, SmsSenderConfig, TencentSmsOptions
from ctid.messaging import aliyun_sms, tencent_sms
from ctid.messaging.aliyun_sms import AliyunSmsSender
from ctid.messaging.build import build_sender
from ctid.messaging.gsm_modem import GsmModemSender
from ctid.messaging.http_gateway import TemplateHttpSender, fill, json_path
from ctid.messaging.senders import Outgoing
from ctid.messaging.tencent_sms import TencentSmsSender
from tests.messaging import gateway_server
from tests.messaging.gateway_server import Gateways

NOW = datetime(2026, 12, 7, 16, 5, 3, tzinfo=UTC)  # 00:05 in Beijing: the UTC date is the day before
MESSAGE = Outgoing(
    ref=4242,
    number="+8613912345678",
    text="【某某汽车】张先生，您的车京A12345交强险12月31日到期。",
    template_code="SMS_000001",
    params={"name": "张先生", "plate": "京A12345", "date": "12月31日"},
)


@pytest.fixture
async def gateways(aiohttp_server: Any) -> AsyncIterator[tuple[Gateways, str]]:
    state = Gateways()
    server = await aiohttp_server(gateway_server.make_app(state))
    yield state, f"http://{server.host}:{server.port}"


# --- signatures against the providers' documented examples --------------------------------------------------


def test_tc3_matches_tencents_documented_example() -> None:
    """Tencent Cloud API 3.0's worked example (CVM DescribeInstances, 2019-02-25): both ctid's signer and
    the test gateway's give the documented signature."""
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
    documented = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    header = tencent_sms.authorization(
        payload,
        "cvm.tencentcloudapi.com",
        1551113065,
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        key,
        service="cvm",
    )
    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={documented}"
    )
    ours = gateway_server.tc3_signature(
        key, "POST", "cvm.tencentcloudapi.com", "application/json; charset=utf-8", payload, 1551113065, "cvm"
    )
    assert ours == documented


def test_acs3_matches_aliyuns_documented_example() -> None:
    """Aliyun's V3 signature document's fixed example (ECS RunInstances, 2023-10-26): ctid's signer and the
    test gateway's both give the documented signature."""
    query = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"}
    headers = {
        "host": "ecs.cn-shanghai.aliyuncs.com",
        "x-acs-action": "RunInstances",
        "x-acs-content-sha256": aliyun_sms.EMPTY_SHA256,
        "x-acs-date": "2023-10-26T10:22:32Z",
        "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
        "x-acs-version": "2014-05-26",
    }
    documented = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    header = aliyun_sms.authorization(
        "POST", "/", query, headers, aliyun_sms.EMPTY_SHA256, "YourAccessKeyId", "YourAccessKeySecret"
    )
    assert header == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
        f"x-acs-date;x-acs-signature-nonce;x-acs-version,Signature={documented}"
    )
    request = gateway_server.Received("POST", "/", query, headers, b"")
    names = sorted(headers)
    assert gateway_server.aliyun_expected(request, names, "YourAccessKeySecret") == documented


@given(st.text(max_size=30))
@settings(deadline=None)
def test_aliyun_percent_encoding_is_rfc3986(value: str) -> None:
    assert aliyun_sms.percent(value) == gateway_server.rfc3986(value)


# --- Aliyun -------------------------------------------------------------------------------------------------


def aliyun(base: str, **changes: Any) -> AliyunSmsSender:
    options = AliyunSmsOptions(
        access_key_id=gateway_server.ALIYUN_ID,
        access_key_secret=gateway_server.ALIYUN_SECRET,
        sign_name="某某汽车",
        template_code="SMS_DEFAULT",
        endpoint=f"{base}/aliyun/",
        timeout_s=5,
    )
    return AliyunSmsSender("aliyun", dataclasses.replace(options, **changes), clock=lambda: NOW)


async def test_aliyun_sends_a_signed_send_sms(gateways: tuple[Gateways, str]) -> None:
    state, base = gateways
    sender = aliyun(base)
    await sender.start()
    try:
        result = await sender.send(MESSAGE)
    finally:
        await sender.stop()
    assert result.ok and result.provider_ids == ("biz-1",), result.error
    assert state.aliyun.signature_errors == 0
    (got,) = state.aliyun.received
    assert got.headers["x-acs-action"] == "SendSms" and got.headers["x-acs-version"] == "2017-05-25"
    assert got.headers["x-acs-date"] == "2026-12-07T16:05:03Z"
    assert got.query["PhoneNumbers"] == "13912345678" and got.query["SignName"] == "某某汽车"
    assert got.query["TemplateCode"] == "SMS_000001" and got.query["OutId"] == "4242"
    assert json.loads(got.query["TemplateParam"]) == dict(MESSAGE.params)


async def test_aliyun_with_a_wrong_secret_is_refused_for_good(gateways: tuple[Gateways, str]) -> None:
    state, base = gateways
    sender = aliyun(base, access_key_secret="not-the-secret")
    result = await sender.send(MESSAGE)
    await sender.stop()
    assert not result.ok and not result.retryable and "SignatureDoesNotMatch" in result.error
    assert state.aliyun.signature_errors == 1


@pytest.mark.parametrize(
    ("answer", "retryable", "words"),
    [
        ((200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}), True, "LIMIT"),
        (
            (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号 13912345678"}),
            False,
            "139*****678",
        ),
        ((200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}), False, "TEMPLATE"),
        ((500, {"Code": "isp.SYSTEM_ERROR", "Message": "system error"}), True, "SYSTEM"),
        ((503, "<html>Service Unavailable</html>"), True, "HTTP 503"),
    ],
)
async def test_aliyun_errors_say_whether_to_retry(
    gateways: tuple[Gateways, str], answer: tuple[int, Any], retryable: bool, words: str
) -> None:
    state, base = gateways
    state.aliyun.answers = [answer]
    sender = aliyun(base)
    result = await sender.send(MESSAGE)
    await sender.stop()
    assert not result.ok and result.retryable is retryable and words in result.error
    assert "13912345678" not in result.error


async def test_aliyun_sends_only_templates(gateways: tuple[Gateways, str]) -> None:
    state, base = gateways
    sender = aliyun(base, template_code="")
    result = await sender.send(dataclasses.replace(MESSAGE, template_code=None))
    assert not result.ok and not result.retryable and "template" in result.error
    assert state.aliyun.received == []
    default = aliyun(base)
    assert (await default.send(dataclasses.replace(MESSAGE, template_code=None))).ok
    await default.stop()
    assert state.aliyun.received[0].query["TemplateCode"] == "SMS_DEFAULT"


# --- Tencent ------------------------------------------------------------------------------------------------


def tencent(base: str, **changes: Any) -> TencentSmsSender:
    options = TencentSmsOptions(
        secret_id=gateway_server.TENCENT_ID,
        secret_key=gateway_server.TENCENT_KEY,
        sdk_app_id="1400000000",
        sign_name="某某汽车",
        template_id="100001",
        endpoint=f"{base}/tencent/",
        timeout_s=5,
    )
    return TencentSmsSender("tencent", dataclasses.replace(options, **changes), clock=lambda: NOW)


async def test_tencent_sends_a_signed_send_sms(gateways: tuple[Gateways, str]) -> None:
    state, base = gateways
    sender = tencent(base)
    numbered = dataclasses.replace(MESSAGE, params={"2": "京A12345", "1": "张先生", "3": "12月31日"})
    result = await sender.send(numbered)
    await sender.stop()
    assert result.ok and result.provider_ids == ("serial-1",), result.error
    (got,) = state.tencent.received
    assert got.headers["x-tc-action"] == "SendSms" and got.headers["x-tc-version"] == "2021-01-11"
    assert got.headers["x-tc-region"] == "ap-guangzhou"
    assert (
        got.headers["authorization"]
        .split("Credential=")[1]
        .startswith(f"{gateway_server.TENCENT_ID}/2026-12-07/sms/")
    )
    body = json.loads(got.body)
    assert body == {
        "PhoneNumberSet": ["+8613912345678"],
        "SmsSdkAppId": "1400000000",
        "SignName": "某某汽车",
        "TemplateId": "SMS_000001",
        "TemplateParamSet": ["张先生", "京A12345", "12月31日"],
        "SessionContext": "4242",
    }


async def test_tencent_with_a_wrong_key_is_refused_for_good(gateways: tuple[Gateways, str]) -> None:
    state, base = gateways
    sender = tencent(base, secret_key="wrong")
    result = await sender.send(MESSAGE)
    await sender.stop()
    assert not result.ok and not result.retryable and "AuthFailure.SignatureFailure" in result.error
    assert state.tencent.signature_errors == 1


def status(code: str, message: str) -> dict[str, Any]:
    entry = {"SerialNo": "", "PhoneNumber": "+8613912345678", "Code": code, "Message": message}
    return {"Response": {"SendStatusSet": [entry], "RequestId": "r"}}


@pytest.mark.parametrize(
    ("answer", "retryable", "words"),
    [
        ((200, status("LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内超限")), True, "ThirtySecond"),
        ((200, status("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审核")), False, "Template"),
        (
            (200, status("InvalidParameterValue.IncorrectPhoneNumber", "+8613912345678 错误")),
            False,
            "Incorrect",
        ),
        ((200, {"Response": {"Error": {"Code": "InternalError.Timeout", "Message": "x"}}}), True, "Internal"),
        ((200, {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "x"}}}), True, "Limit"),
        ((502, "Bad Gateway"), True, "HTTP 502"),
    ],
)
async def test_tencent_errors_say_whether_to_retry(
    gateways: tuple[Gateways, str], answer: tuple[int, Any], retryable: bool, words: str
) -> None:
    state, base = gateways
    state.tencent.answers = [answer]
    sender = tencent(base)
    result = await sender.send(MESSAGE)
    await sender.stop()
    assert not result.ok and result.retryable is retryable and words in result.error
    assert "13912345678" not in result.error


# --- the template gateway -----------------------------------------------------------------------------------


def template(base: str, **changes: Any) -> TemplateHttpSender:
    options = HttpSmsOptions(
        url=f"{base}/template/send?to={{number}}",
        headers=("X-Api-Key: k-123",),
        body='{"text": "{text}", "client_ref": "{ref}", "to": "{number}"}',
        success_status=(200,),
        success_json_path="result.code",
        success_value="0",
        message_id_json_path="data.0.id",
        timeout_s=5,
    )
    return TemplateHttpSender("gateway", dataclasses.replace(options, **changes))


async def test_the_template_gateway_fills_and_reads_as_configured(gateways: tuple[Gateways, str]) -> None:
    state, base = gateways
    sender = template(base)
    tricky = dataclasses.replace(MESSAGE, text='他说："你好"\n{number} & 100% ✓')
    result = await sender.send(tricky)
    await sender.stop()
    assert result.ok and result.provider_ids == ("gw-1",), result.error
    (got,) = state.template.received
    assert got.query == {"to": "+8613912345678"} and got.headers["x-api-key"] == "k-123"
    assert got.headers["content-type"].startswith("application/json")
    assert json.loads(got.body) == {"text": tricky.text, "client_ref": "4242", "to": "+8613912345678"}


async def test_the_template_gateway_form_body(gateways: tuple[Gateways, str]) -> None:
    state, base = gateways
    sender = template(base, body="to={number}&msg={text}", body_encoding="form", method="PUT")
    assert (await sender.send(MESSAGE)).ok
    await sender.stop()
    (got,) = state.template.received
    assert got.method == "PUT"
    assert parse_qs(got.body.decode()) == {"to": ["+8613912345678"], "msg": [MESSAGE.text]}


@pytest.mark.parametrize(
    ("answer", "ok", "retryable"),
    [
        ((200, {"result": {"code": "0"}, "data": [{"id": "x"}]}), True, False),
        ((200, {"result": {"code": "17"}}), False, False),
        ((429, {"error": "slow down"}), False, True),
        ((500, "oops"), False, True),
        ((400, {"error": "bad number"}), False, False),
        ((200, "not json"), False, False),
    ],
)
async def test_the_template_gateway_success_and_failure(
    gateways: tuple[Gateways, str], answer: tuple[int, Any], ok: bool, retryable: bool
) -> None:
    state, base = gateways
    state.template.answers = [answer]
    sender = template(base)
    result = await sender.send(MESSAGE)
    await sender.stop()
    assert result.ok is ok and result.retryable is retryable


async def test_an_unreachable_gateway_is_retryable() -> None:
    sender = template("http://127.0.0.1:9")  # the discard port: nothing listens
    result = await sender.send(MESSAGE)
    await sender.stop()
    assert not result.ok and result.retryable and "did not answer" in result.error


@given(st.text(max_size=40), st.text(max_size=12))
@settings(deadline=None)
def test_placeholders_are_escaped_for_json(text: str, ref_text: str) -> None:
    message = Outgoing(ref=1, number="+8613912345678", text=text + ref_text)
    body = fill('{"t": "{text}", "n": "{number}", "r": {ref}}', message, lambda v: json.dumps(v)[1:-1])
    assert json.loads(body) == {"t": message.text, "n": message.number, "r": 1}


def test_json_paths() -> None:
    data = {"a": {"b": [{"c": 1}, {"c": True}]}}
    assert json_path(data, "a.b.1.c") is True
    assert (
        json_path(data, "a.b.2.c") is None and json_path(data, "a.x") is None and json_path(data, "") == data
    )


# --- building senders from the config -----------------------------------------------------------------------


async def test_build_sender_picks_the_driver() -> None:
    async def ignore(_: object) -> None:
        return None

    from ctid.core import config

    parsed = config.parse(
        {
            "sms": {
                "senders": [
                    {"name": "m", "driver": "gsm_modem"},
                    {"name": "h", "driver": "http", "url": "https://sms.example.com/"},
                    {
                        "name": "a",
                        "driver": "aliyun",
                        "access_key_id": "i",
                        "access_key_secret": "s",
                        "sign_name": "n",
                    },
                    {
                        "name": "t",
                        "driver": "tencent",
                        "secret_id": "i",
                        "secret_key": "k",
                        "sdk_app_id": "1",
                        "sign_name": "n",
                    },
                ]
            }
        },
        "test.toml",
    )
    built = [build_sender(entry, ignore, ignore) for entry in parsed.sms.senders]
    kinds = [GsmModemSender, TemplateHttpSender, AliyunSmsSender, TencentSmsSender]
    assert [type(sender) for sender in built] == kinds
    assert [sender.name for sender in built] == ["m", "h", "a", "t"]
    with pytest.raises(ValueError):
        build_sender(SmsSenderConfig("x", "pigeon", 1, object()), ignore, ignore)  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=10,
)
answers = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"Response": st.dictionaries(st.sampled_from(["Error", "SendStatusSet"]), json_values)}
    ),
    st.fixed_dictionaries({"Code": json_values, "BizId": json_values}),
)


@given(st.integers(100, 599), answers)
@settings(deadline=None)
def test_any_answer_is_read_into_a_result(status: int, data: Any) -> None:
    """Whatever a gateway answers, reading it gives a result (never an exception in the outbox)."""
    from ctid.messaging.http_gateway import Answer

    answer = Answer(status, json.dumps(data), data)
    for read in (aliyun_sms.result, tencent_sms.result, template("http://x")._result):
        result = read(answer)
        assert result.ok in (True, False) and isinstance(result.error, str)
        assert all(isinstance(provider_id, str) for provider_id in result.provider_ids)
