"""Sending settings: typed, checked, kept in the ledger's setting table, every change audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from collector_app.db.models import Event, Setting
from collector_app.domain.errors import UserError
from collector_app.services import settings
from collector_app.services.context import Ctx


def _events(ctx: Ctx) -> list[Event]:
    return list(ctx.session.scalars(select(Event).where(Event.action.startswith("settings."))))


def test_smtp_settings_round_trip_and_audit(ctx: Ctx) -> None:
    assert settings.get_smtp(ctx) is None
    saved = settings.set_smtp(ctx, host=" mail.example.com ", port=587, security="STARTTLS",
                              user="biuro", sender="Firma Łódź <Biuro@Example.com>")
    assert saved == settings.get_smtp(ctx)
    assert (saved.host, saved.port, saved.security, saved.user) == ("mail.example.com", 587, "starttls", "biuro")
    assert saved.sender_address == "Biuro@example.com" and saved.sender_domain == "example.com"
    keys = set(ctx.session.scalars(select(Setting.key)))
    assert {"smtp.host", "smtp.port", "smtp.security", "smtp.user", "smtp.sender"} <= keys
    [event] = _events(ctx)
    assert event.action == "settings.smtp" and "mail.example.com:587" in event.summary


def test_smtp_without_user_clears_the_stored_user(ctx: Ctx) -> None:
    settings.set_smtp(ctx, host="h", port=25, security="none", user="u", sender="a@example.com")
    smtp = settings.set_smtp(ctx, host="h", port=25, security="none", sender="a@example.com")
    assert smtp.user is None and ctx.session.get(Setting, "smtp.user") is None


@pytest.mark.parametrize(("field", "kwargs"), [
    ("port", {"port": 0}),
    ("port", {"port": 70000}),
    ("security", {"security": "tls"}),
    ("sender", {"sender": "Firma <not an address>"}),
    ("sender", {"sender": "Firma <a@example.com>\r\nBcc: x@example.com"}),
    ("host", {"host": "mail example"}),
])
def test_bad_smtp_settings_are_refused(ctx: Ctx, field: str, kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"host": "h", "port": 25, "security": "none", "sender": "a@example.com", **kwargs}
    with pytest.raises(UserError) as err:
        settings.set_smtp(ctx, **args)  # type: ignore[arg-type]
    assert err.value.field == field
    assert settings.get_smtp(ctx) is None


def test_require_smtp_says_how_to_set_it_up(ctx: Ctx) -> None:
    with pytest.raises(UserError, match="collector settings smtp"):
        settings.require_smtp(ctx)


def test_sms_settings_default_endpoint_and_checks(ctx: Ctx) -> None:
    sms = settings.set_sms(ctx, provider="SMSAPI", sender="Firma")
    assert sms == settings.SmsSettings("smsapi", "Firma", "https://api.smsapi.pl")
    assert settings.get_sms(ctx) == sms
    local = settings.set_sms(ctx, provider="smsapi", sender="Firma", endpoint="http://127.0.0.1:8080/api/")
    assert local.endpoint == "http://127.0.0.1:8080/api"
    for kwargs, field in (({"provider": "twilio"}, "provider"), ({"sender": "Far too long name"}, "sender"),
                          ({"endpoint": "ftp://x"}, "endpoint")):
        with pytest.raises(UserError) as err:
            settings.set_sms(ctx, **{"provider": "smsapi", "sender": "Firma", **kwargs})
        assert err.value.field == field
    assert [e.action for e in _events(ctx)] == ["settings.sms", "settings.sms"]


def test_business_hours_and_outbox_defaults(ctx: Ctx) -> None:
    hours = settings.get_business_hours(ctx)
    assert (hours.start, hours.end, hours.days) == (dt.time(8), dt.time(17), frozenset(range(5)))
    assert settings.get_outbox(ctx) == settings.OutboxSettings(interval_minutes=5, max_attempts=5)


def test_business_hours_and_outbox_can_be_changed(ctx: Ctx) -> None:
    hours = settings.set_business_hours(ctx, start="07:30", days="mon-wed,fri")
    assert hours == settings.get_business_hours(ctx)
    assert (hours.start, hours.end, hours.day_names()) == (dt.time(7, 30), dt.time(17), "mon,tue,wed,fri")
    with pytest.raises(UserError, match="not after"):
        settings.set_business_hours(ctx, end="07:00")
    with pytest.raises(UserError) as err:
        settings.set_business_hours(ctx, days="sun-mon")
    assert err.value.field == "days"
    out = settings.set_outbox(ctx, interval_minutes=15)
    assert out == settings.get_outbox(ctx) == settings.OutboxSettings(15, 5)
    with pytest.raises(UserError):
        settings.set_outbox(ctx, max_attempts=0)
    assert [e.action for e in _events(ctx)] == ["settings.hours", "settings.outbox"]


def test_overview_never_holds_a_secret_only_whether_it_is_set(ctx: Ctx) -> None:
    settings.set_smtp(ctx, host="h", port=25, security="none", user="u", sender="a@example.com")
    view = settings.overview(ctx, {"smtp-password": True})
    assert view["smtp_password_set"] is True and view["sms_token_set"] is False
    assert view["smtp"]["host"] == "h" and view["sms"] is None
    assert view["business_hours"] == {"start": "08:00", "end": "17:00", "days": "mon,tue,wed,thu,fri"}


def test_hours_ending_at_23_59_run_until_midnight_and_others_close_at_their_end(ctx: Ctx) -> None:
    """A time field cannot show 24:00: "00:00–23:59" is a day that never closes, not one closed its last minute."""
    from collector_app.services.outbox import inside_hours

    monday = dt.date(2026, 3, 16)
    late = dt.datetime.combine(monday, dt.time(23, 59, 30)).astimezone()
    always = settings.set_business_hours(ctx, start="00:00", end="23:59", days="mon-sun")
    assert inside_hours(always, "PL", late)
    office = settings.set_business_hours(ctx, start="08:00", end="17:00", days="mon-fri")
    assert inside_hours(office, "PL", late.replace(hour=16, minute=59))
    assert not inside_hours(office, "PL", late.replace(hour=17, minute=0, second=0))
    evening = settings.set_business_hours(ctx, start="08:00", end="23:58", days="mon-fri")
    assert not inside_hours(evening, "PL", late.replace(minute=58))
