"""E-mail over SMTP (plain, STARTTLS or SSL): one connection per batch, replies mapped to retry or fail."""

from __future__ import annotations

import base64
import binascii
import random
import smtplib
import ssl
import sys
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache
from typing import Self

from collector_app.channels.base import ClosesOnExit, MessageLike, PermanentError, SendResult, TransientError
from collector_app.domain.contact import ascii_address
from collector_app.domain.errors import UserError
from collector_app.services.settings import SmtpSettings, sender_parts


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {body}".strip()


def _raise_for(code: int, text: bytes | str) -> None:
    if 200 <= code < 400:
        return
    reply = _reply(code, text)
    raise (TransientError if 400 <= code < 500 or code < 200 else PermanentError)(reply)


def _check_header(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise PermanentError(f"refused before sending: the {name} header contains a line break")
    return value


def _recipient(settings: SmtpSettings, message: MessageLike) -> tuple[str, str]:
    """The To display name and bare address, refused before anything is sent when it cannot go."""
    if message.channel != "email":
        raise PermanentError(f"refused before sending: a {message.channel} message given to the e-mail transport")
    name, written = parseaddr(_check_header("To", message.recipient))
    if "@" not in written:
        raise PermanentError(f'refused before sending: "{message.recipient}" is not an e-mail address')
    recipient = ascii_address(written)  # a domain with national letters goes in its IDNA form
    if recipient is None or not settings.sender_address.isascii():
        raise PermanentError(f'refused before sending: "{written if recipient is None else settings.sender_address}" '
                             "has national letters before the @: it needs SMTPUTF8, which is not supported")
    return name, recipient


def build_email(settings: SmtpSettings, message: MessageLike, message_id: str) -> Message:
    """The MIME message: text, an optional HTML alternative, then the attachments.

    Built with the compat32 MIME classes and explicit encodings: the same structure as the modern
    EmailMessage API at a third of its cost. `_wire` writes the same message without them.
    """
    recipient = _recipient(settings, message)[1]
    body: Message = _text_part(message.text, "plain")
    if message.html:
        alternative = MIMEMultipart("alternative")
        alternative.attach(body)
        alternative.attach(_text_part(message.html, "html"))
        body = alternative
    msg: Message = body
    if message.attachments:
        msg = MIMEMultipart("mixed")
        msg.attach(body)
        for att in message.attachments:
            msg.attach(_attachment(att.content, att.mime, _check_header("attachment filename", att.filename)))
    msg["From"] = _address_header(_check_header("From", settings.sender))
    to_name, _ = parseaddr(message.recipient)
    msg["To"] = formataddr((to_name, recipient), charset="utf-8")
    if settings.reply_to:
        msg["Reply-To"] = _address_header(_check_header("Reply-To", settings.reply_to))
    msg["Subject"] = _header_text(_check_header("Subject", message.subject or ""))  # type: ignore[assignment]  # compat32 takes a Header
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    return msg


WIRE = compat32.clone(linesep="\r\n")  # what goes to the server: CRLF line ends, as SMTP wants
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # readable in a raw source view, unlike base64


def _text_part(text: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(text, charset=_UTF8_QP)
    return part


def _attachment(content: bytes, mime: str, filename: str) -> MIMENonMultipart:
    maintype, _, subtype = mime.partition("/")
    if not maintype or not subtype:
        maintype, subtype = "application", "octet-stream"
    part = MIMENonMultipart(maintype, subtype)
    part.set_payload(content)
    encode_base64(part)
    shown: str | tuple[str, str, str] = filename if filename.isascii() else ("utf-8", "", filename)
    part.add_header("Content-Disposition", "attachment", filename=shown)
    return part


def _header_text(value: str, name: str = "Subject") -> str | Header:
    """ASCII as it is; anything else as RFC 2047 encoded words (folded by the generator)."""
    return value if value.isascii() else Header(value, "utf-8", header_name=name)


_CRLF = "\r\n"
_FOLD_AT = 78  # compat32's line length for headers
_TEXT_PART = 'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'


def _wire(settings: SmtpSettings, message: MessageLike, message_id: str) -> tuple[str, bytes]:
    """The bare recipient address, and what `build_email(...).as_bytes(policy=WIRE)` sends, written
    directly for text and HTML messages.

    The compat32 generator folds every header through `Header` and QP-encodes in Python, which cost more
    than the SMTP exchange; here short ASCII headers go as they are (what `Header` would give them), other
    text as base64 encoded words, and bodies through binascii's QP. Attachments take the MIME classes.
    Every header value is checked for CR/LF first, as before.
    """
    to_name, recipient = _recipient(settings, message)
    if message.attachments:
        return recipient, build_email(settings, message, message_id).as_bytes(policy=WIRE)
    head = (_from_line(settings.sender) + _header_line("To", formataddr((to_name, recipient), charset="utf-8"))
            + (_reply_to_line(settings.reply_to) if settings.reply_to else "")
            + _header_line("Subject", _check_header("Subject", message.subject or ""))
            + _header_line("Date", formatdate(localtime=True)) + _header_line("Message-ID", message_id)
            + "MIME-Version: 1.0\r\n")
    text = _qp(message.text)
    if not message.html:
        return recipient, (head + _TEXT_PART.format("plain")).encode("ascii") + text
    html = _qp(message.html)
    boundary = _boundary(text, html)
    return recipient, b"".join((
        (head + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n--{boundary}\r\n'
         + _TEXT_PART.format("plain")).encode("ascii"), text,
        f"\r\n--{boundary}\r\n{_TEXT_PART.format('html')}".encode("ascii"), html,
        f"\r\n--{boundary}--\r\n".encode("ascii"),
    ))


def _header_line(name: str, value: str) -> str:
    """`Name: value` + CRLF, folded as compat32 folds it; anything not ASCII as RFC 2047 encoded words."""
    _check_header(name, value)
    if not value.isascii():
        return f"{name}: {_encoded_words(len(name) + 2, value)}{_CRLF}"
    if len(name) + 2 + len(value) <= _FOLD_AT:
        return f"{name}: {value}{_CRLF}"  # what Header(value).encode() gives
    return f"{name}: {Header(value, header_name=name).encode(linesep=_CRLF, maxlinelen=_FOLD_AT)}{_CRLF}"


def _encoded_words(indent: int, value: str) -> str:
    """`=?utf-8?b?…?=` words of whole characters, one a line, each line at most 78 characters long
    (what `Header(value, "utf-8")` writes, without its cost: it measures every split it tries)."""
    words: list[bytes] = []
    room, word = _FOLD_AT - indent, b""
    for char in value:
        data = char.encode("utf-8")
        if word and len(word) + len(data) > max(room - 12, 4) // 4 * 3:  # 12: =?utf-8?b? and ?=
            words.append(word)
            room, word = _FOLD_AT - 1, b""
        word += data
    words.append(word)
    return f"{_CRLF} ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


@lru_cache(maxsize=8)
def _from_line(sender: str) -> str:
    return _header_line("From", _address_header(_check_header("From", sender)))


@lru_cache(maxsize=8)
def _reply_to_line(address: str) -> str:
    return _header_line("Reply-To", _address_header(_check_header("Reply-To", address)))


def _address_header(text: str) -> str:
    """"Name <addr>" for a header: the name encoded when it has national letters, the domain in IDNA form."""
    name, address = sender_parts(text)
    return formataddr((name, ascii_address(address) or address), charset="utf-8")


def _qp(text: str) -> bytes:
    """UTF-8 quoted-printable with CRLF line ends (lines of at most 76 characters, soft breaks as `=`)."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return binascii.b2a_qp(data).replace(b"\n", b"\r\n")


def _boundary(*parts: bytes) -> str:
    """A multipart boundary found in no part (QP escapes every `=`, so it never is)."""
    while True:
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
        if not any(boundary.encode("ascii") in part for part in parts):
            return boundary


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib.login, except that non-ASCII credentials go as UTF-8 AUTH PLAIN (smtplib only encodes ASCII)."""
    if (user + password).isascii() or not smtp.has_extn("auth") or "PLAIN" not in smtp.esmtp_features["auth"].upper():
        smtp.login(user, password)
        return
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, text = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, text)


class SmtpTransport(ClosesOnExit):
    """`with SmtpTransport(settings, password) as t: t.send(m)`; a dropped connection is reopened on the next send."""

    channel = "email"

    def __init__(self, settings: SmtpSettings, password: str | None = None,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self._password = password
        self._tls = tls_context
        self._smtp: smtplib.SMTP | None = None

    def __repr__(self) -> str:  # never shows the password
        s = self.settings
        return f"SmtpTransport({s.host}:{s.port}, {s.security}, user={s.user!r})"

    def __enter__(self) -> Self:
        """Opens the batch's connection; a server that refuses the session (bad login, no STARTTLS) is a
        setting to fix, not a message to fail, so it is a UserError here (connection errors stay transient)."""
        try:
            self._connect()
        except PermanentError as exc:
            raise UserError("smtp", f"{self.settings.host}:{self.settings.port} refused the session: {exc.reply}") \
                from None
        return self

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _context(self) -> ssl.SSLContext:
        return self._tls or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                self._open_session(smtp)
            except BaseException:
                smtp.close()
                raise
        except smtplib.SMTPResponseException as exc:
            _raise_for(exc.smtp_code, exc.smtp_error)
            raise TransientError(_reply(exc.smtp_code, exc.smtp_error)) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise TransientError(f"cannot connect to {s.host}:{s.port}: {exc}") from None
        except smtplib.SMTPException as exc:  # e.g. no AUTH method both sides know
            raise PermanentError(f"{s.host}:{s.port}: {exc}") from None
        self._smtp = smtp
        return smtp

    def _open_session(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if self.settings.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise PermanentError(f"{self.settings.host} does not offer STARTTLS")
            smtp.starttls(context=self._context())
            smtp.ehlo()
        if self.settings.user:
            _login(smtp, self.settings.user, self._password or "")

    def send(self, message: MessageLike) -> SendResult:
        message_id = make_msgid(domain=self.settings.sender_domain or None)
        recipient, data = _wire(self.settings, message, message_id)
        try:
            smtp = self._connect()
        except PermanentError as exc:  # reconnecting in mid-batch: the message itself may be fine
            raise TransientError(exc.reply) from None
        try:
            reply = self._transaction(smtp, recipient, data)
        except smtplib.SMTPResponseException as exc:  # e.g. DATA itself refused (smtplib raises there)
            self._check(smtp, exc.smtp_code, exc.smtp_error)
            raise TransientError(_reply(exc.smtp_code, exc.smtp_error)) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TransientError(f"connection to {self.settings.host} lost: {exc}") from None
        return SendResult(message_id, reply)

    def _transaction(self, smtp: smtplib.SMTP, recipient: str, data: bytes) -> str:
        """MAIL, RCPT, DATA by hand, so the DATA reply (with the queue id) is kept and failures are typed."""
        options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
        code, text = smtp.mail(self.settings.sender_address, options)
        self._check(smtp, code, text)
        code, text = smtp.rcpt(recipient)
        self._check(smtp, code, text)
        code, text = smtp.data(data)
        self._check(smtp, code, text)
        return _reply(code, text)

    def _check(self, smtp: smtplib.SMTP, code: int, text: bytes | str) -> None:
        if 200 <= code < 400:
            return
        if code == 421 or code == -1:  # the server is closing the connection
            self._drop()
        else:
            self._reset(smtp)
        _raise_for(code, text)

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()
