"""E-mail over SMTP (plain, STARTTLS or SSL): one connection per batch, replies mapped to retry or fail."""

from __future__ import annotations

import base64
import smtplib
import ssl
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import Self

from collector_app.channels.base import ClosesOnExit, MessageLike, PermanentError, SendResult, TransientError
from collector_app.domain.errors import UserError
from collector_app.services.settings import SmtpSettings


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


def build_email(settings: SmtpSettings, message: MessageLike, message_id: str) -> Message:
    """The MIME message: text, an optional HTML alternative, then the attachments.

    Built with the compat32 MIME classes and explicit encodings: the same structure as the modern
    EmailMessage API at a third of its cost, which is most of what a message costs besides SMTP.
    """
    if message.channel != "email":
        raise PermanentError(f"refused before sending: a {message.channel} message given to the e-mail transport")
    recipient = parseaddr(_check_header("To", message.recipient))[1]
    if "@" not in recipient:
        raise PermanentError(f'refused before sending: "{message.recipient}" is not an e-mail address')
    if not (recipient + settings.sender_address).isascii():
        raise PermanentError(f'refused before sending: "{recipient}" needs SMTPUTF8, which is not supported')
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
    name, address = parseaddr(_check_header("From", settings.sender))
    msg["From"] = formataddr((name, address), charset="utf-8")
    to_name, _ = parseaddr(message.recipient)
    msg["To"] = formataddr((to_name, recipient), charset="utf-8")
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
        data = build_email(self.settings, message, message_id).as_bytes(policy=WIRE)
        try:
            smtp = self._connect()
        except PermanentError as exc:  # reconnecting in mid-batch: the message itself may be fine
            raise TransientError(exc.reply) from None
        try:
            reply = self._transaction(smtp, parseaddr(message.recipient)[1], data)
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
