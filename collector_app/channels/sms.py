"""SMS through an HTTP gateway: a small provider interface, SMSAPI.pl as the real one, long texts split or refused."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any, Protocol, Self
from urllib.parse import urlencode, urlsplit

from collector_app.channels.base import ClosesOnExit, MessageLike, PermanentError, SendResult, TransientError
from collector_app.domain.contact import check_phone
from collector_app.domain.errors import UserError
from collector_app.services.settings import SmsSettings

MAX_PARTS = 6
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # two septets each (escape + char)


@dataclass(frozen=True)
class SmsParts:
    encoding: str  # "gsm7" or "ucs2"
    parts: tuple[str, ...]


def _units(ch: str, encoding: str) -> int:
    if encoding == "gsm7":
        return 2 if ch in _GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1  # UTF-16 code units


def split_sms(text: str, max_parts: int = MAX_PARTS) -> SmsParts:
    """GSM-7 when every character allows it (160 alone, 153 per part), else UCS-2 (70, 67 per part).

    An escape pair or a surrogate pair is never cut; more than `max_parts` parts is refused.
    """
    if not text:
        raise PermanentError("refused before sending: the SMS text is empty")
    encoding = "gsm7" if all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text) else "ucs2"
    single, per_part = (160, 153) if encoding == "gsm7" else (70, 67)
    if sum(_units(c, encoding) for c in text) <= single:
        return SmsParts(encoding, (text,))
    parts: list[str] = []
    current, used = "", 0
    for ch in text:
        n = _units(ch, encoding)
        if used + n > per_part:
            parts.append(current)
            current, used = "", 0
        current += ch
        used += n
    parts.append(current)
    if len(parts) > max_parts:
        limit = per_part * max_parts
        raise PermanentError(
            f"refused before sending: the SMS needs {len(parts)} parts, at most {max_parts} are sent "
            f"({limit} {'GSM-7' if encoding == 'gsm7' else 'Unicode'} characters); shorten the template"
        )
    return SmsParts(encoding, tuple(parts))


@dataclass(frozen=True)
class HttpRequest:
    path: str
    form: dict[str, str]
    headers: dict[str, str]


class SmsProvider(Protocol):
    """A gateway's wire format: how to ask it to send, and how to read its answer."""

    name: str
    max_parts: int

    def request(self, to_e164: str, sms: SmsParts, sender: str, token: str) -> HttpRequest: ...

    def parse(self, status: int, body: bytes) -> SendResult: ...


# SMSAPI.pl error codes (from its public documentation, as known to the author; unlisted codes fail at once).
SMSAPI_TRANSIENT = {
    103: "not enough points on the account",
    200: "submission failed",
    201: "gateway internal error",
    202: "too many simultaneous requests",
    203: "too many requests",
    999: "gateway internal error",
}


class SmsApiProvider:
    """SMSAPI.pl / SMSAPI.com: POST {endpoint}/sms.do with an OAuth bearer token, JSON answer."""

    name = "smsapi"
    max_parts = MAX_PARTS

    def request(self, to_e164: str, sms: SmsParts, sender: str, token: str) -> HttpRequest:
        form = {
            "to": to_e164.lstrip("+"), "message": "".join(sms.parts), "from": sender, "format": "json",
            "encoding": "utf-8", "max_parts": str(len(sms.parts)),
        }
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-www-form-urlencoded"}
        return HttpRequest("/sms.do", form, headers)

    def parse(self, status: int, body: bytes) -> SendResult:
        data = _json(body)
        if isinstance(data, dict) and data.get("error"):
            code = _int(data.get("error"))
            reply = f"SMSAPI error {code}: {data.get('message') or SMSAPI_TRANSIENT.get(code, 'refused')}"
            raise (TransientError if code in SMSAPI_TRANSIENT else PermanentError)(reply)
        if status >= 500 or status == 429:
            raise TransientError(f"HTTP {status} from the SMS gateway")
        if status >= 400 or not isinstance(data, dict) or not data.get("list"):
            raise PermanentError(f"HTTP {status} from the SMS gateway: {body[:200].decode('utf-8', 'replace')}")
        first = data["list"][0]
        message_id = str(first.get("id")) if first.get("id") is not None else None
        parts = first.get("parts", 1)
        return SendResult(message_id, f"HTTP {status}: {first.get('status', 'accepted')}, id {message_id}, "
                                      f"{parts} part(s)")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


PROVIDERS: dict[str, type[SmsApiProvider]] = {"smsapi": SmsApiProvider}


class SmsTransport(ClosesOnExit):
    """`with SmsTransport(settings, token) as t: t.send(m)`; one keep-alive HTTP connection per batch."""

    channel = "sms"

    def __init__(self, settings: SmsSettings, token: str, *, default_country: str = "PL",
                 provider: SmsProvider | None = None) -> None:
        self.settings = settings
        self._token = token
        self._country = default_country
        self.provider: SmsProvider = provider or PROVIDERS[settings.provider]()
        url = urlsplit(settings.endpoint)
        self._https = url.scheme == "https"
        self._host = url.hostname or ""
        self._port = url.port
        self._base = url.path.rstrip("/")
        self._conn: http.client.HTTPConnection | None = None

    def __repr__(self) -> str:  # never shows the token
        return f"SmsTransport({self.settings.provider} at {self.settings.endpoint})"

    def __enter__(self) -> Self:
        try:
            self._connect().connect()
        except OSError as exc:
            self.close()
            raise TransientError(f"SMS gateway {self._host}: {type(exc).__name__}: {exc}") from None
        return self

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _connect(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self.settings.timeout)
        return self._conn

    def send(self, message: MessageLike) -> SendResult:
        if message.channel != "sms":
            raise PermanentError(f"refused before sending: a {message.channel} message given to the SMS transport")
        try:
            to = check_phone(message.recipient, self._country, "recipient")
        except UserError as exc:
            raise PermanentError(f"refused before sending: {exc}") from None
        sms = split_sms(message.text, self.provider.max_parts)
        req = self.provider.request(to, sms, self.settings.sender, self._token)
        conn = self._connect()
        try:
            conn.request("POST", self._base + req.path, body=urlencode(req.form).encode("utf-8"),
                         headers=req.headers)
            response = conn.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError) as exc:
            self.close()
            raise TransientError(f"SMS gateway {self._host}: {type(exc).__name__}: {exc}") from None
        if response.will_close:
            self.close()
        return self.provider.parse(response.status, body)
