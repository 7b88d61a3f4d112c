"""The SMS transport (SMSAPI.pl) against a local gateway on 127.0.0.1, and how long texts are split."""

from __future__ import annotations

import pytest
from helpers.sms_gateway import Gateway, sms_gateway

from collector_app.channels.base import PermanentError, TransientError, transport_for
from collector_app.channels.sms import SmsTransport, split_sms
from collector_app.db.engine import Ledger
from collector_app.domain.errors import UserError
from collector_app.secrets import SMS_TOKEN, SecretStore
from collector_app.services import settings
from collector_app.services.context import Ctx
from collector_app.services.messages import Message

TOKEN = "Sms-Token-4f9a"


def sms(text: str = "Przypominamy o fakturze FV/1/2026: 1 234,56 zł.", to: str = "601 234 567") -> Message:
    return Message("sms", to, "", text, None, (), (1,))


def transport(gw: Gateway, country: str = "PL") -> SmsTransport:
    return SmsTransport(settings.SmsSettings("smsapi", "Firma", gw.url, timeout=5), TOKEN, default_country=country)


def test_an_sms_is_posted_like_smsapi_expects() -> None:
    with sms_gateway(Gateway()) as gw, transport(gw) as t:
        result = t.send(sms())
    [req] = gw.requests
    assert req.path == "/api/sms.do"
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"
    assert req.form == {"to": "48601234567", "message": "Przypominamy o fakturze FV/1/2026: 1 234,56 zł.",
                        "from": "Firma", "format": "json", "encoding": "utf-8", "max_parts": "1"}
    assert result.message_id == "ID0" and "QUEUE" in result.reply


def test_numbers_are_normalised_to_e164_with_the_firm_country() -> None:
    with sms_gateway(Gateway()) as gw:
        with transport(gw, "CZ") as t:
            t.send(sms(to="601 123 456"))
            t.send(sms(to="+48 601-234-567"))
        with transport(gw) as t, pytest.raises(PermanentError, match="not a possible phone number"):
            t.send(sms(to="12"))
    assert [r.form["to"] for r in gw.requests] == ["420601123456", "48601234567"]


def test_a_batch_reuses_one_connection() -> None:
    with sms_gateway(Gateway()) as gw:
        with transport(gw) as t:
            for _ in range(4):
                t.send(sms())
        assert gw.connections == 1


@pytest.mark.parametrize(("reply", "error"), [
    ((200, {"error": 101, "message": "Authorization failed"}), PermanentError),
    ((200, {"error": 13, "message": "No correct phone numbers"}), PermanentError),
    ((401, {"error": 102, "message": "Invalid username or password"}), PermanentError),
    ((200, {"error": 203, "message": "Too many requests"}), TransientError),
    ((200, {"error": 201, "message": "System internal error"}), TransientError),
    ((503, b"<html>Service Unavailable</html>"), TransientError),
    ((429, b""), TransientError),
    ((404, b"not found"), PermanentError),
])
def test_gateway_errors_are_retried_or_failed(reply: tuple[int, object], error: type[Exception]) -> None:
    with sms_gateway(Gateway(replies=[reply])) as gw, transport(gw) as t:
        with pytest.raises(error) as err:
            t.send(sms())
        assert TOKEN not in str(err.value)
        if isinstance(reply[1], dict):
            assert str(reply[1]["message"]) in str(err.value)
        assert t.send(sms()).message_id == "ID1", "the batch goes on after a refused message"


def test_an_unreachable_gateway_is_transient() -> None:
    with sms_gateway(Gateway()) as gw:
        url = gw.url
    t = SmsTransport(settings.SmsSettings("smsapi", "Firma", url, timeout=5), TOKEN)
    with pytest.raises(TransientError, match=r"SMS gateway 127\.0\.0\.1"), t:
        pass


def test_short_texts_fit_in_one_part() -> None:
    assert split_sms("a" * 160).parts == ("a" * 160,)
    assert split_sms("a" * 160).encoding == "gsm7"
    assert split_sms("ż" * 70) == split_sms("ż" * 70).__class__("ucs2", ("ż" * 70,))


def test_long_gsm_texts_split_into_153_septet_parts_and_escapes_count_twice() -> None:
    parts = split_sms("a" * 161).parts
    assert [len(p) for p in parts] == [153, 8]
    assert split_sms("€" * 80).parts == ("€" * 80,)  # 160 septets: still one SMS
    euro = split_sms("€" * 81)  # 162 septets: 76 euro signs (152 septets) in the first part, 5 in the second
    assert [len(p) for p in euro.parts] == [76, 5] and euro.encoding == "gsm7"


def test_polish_letters_switch_to_ucs2_67_per_part() -> None:
    text = "Dzień dobry, prosimy o zapłatę. " * 5
    split = split_sms(text)
    assert split.encoding == "ucs2" and all(len(p) <= 67 for p in split.parts)
    assert "".join(split.parts) == text and len(split.parts) == 3


def test_more_than_six_parts_is_refused_clearly() -> None:
    assert len(split_sms("a" * 153 * 6).parts) == 6
    with pytest.raises(PermanentError, match="needs 7 parts, at most 6"):
        split_sms("a" * (153 * 6 + 1))
    with pytest.raises(PermanentError, match="402 Unicode characters"):
        split_sms("ł" * 403)


def test_long_texts_go_in_one_request_with_max_parts() -> None:
    text = "Dzień dobry, " * 20
    with sms_gateway(Gateway()) as gw, transport(gw) as t:
        t.send(sms(text))
        with pytest.raises(PermanentError, match="parts"):
            t.send(sms("ł" * 500))
    [req] = gw.requests
    assert req.form["message"] == text and req.form["max_parts"] == str(len(split_sms(text).parts))


def test_transport_for_sms_needs_the_token(ledger: Ledger, ctx: Ctx) -> None:
    secrets = SecretStore.for_ledger(ledger.url)
    with pytest.raises(UserError, match="collector settings sms"):
        transport_for(ctx, "sms", secrets)
    with sms_gateway(Gateway()) as gw:
        settings.set_sms(ctx, provider="smsapi", sender="Firma", endpoint=gw.url)
        with pytest.raises(UserError, match="sms-token"):
            transport_for(ctx, "sms", secrets)
        secrets.set(SMS_TOKEN, TOKEN)
        with transport_for(ctx, "sms", secrets) as t:
            t.send(sms())
    assert gw.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
