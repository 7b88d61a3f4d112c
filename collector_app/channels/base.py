"""What the outbox needs from a channel: one connection per batch, send(), and errors that say retry or not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from collector_app.secrets import SecretStore
    from collector_app.services.context import Ctx


class ChannelError(Exception):
    """A send that did not go through; `reply` is the server's or gateway's answer (never a secret)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


class TransientError(ChannelError):
    """4xx replies, connection errors, timeouts: the row stays queued and is retried later."""


class PermanentError(ChannelError):
    """5xx replies and messages that can never go (bad address, header injection): fail at once."""


@dataclass(frozen=True)
class SendResult:
    message_id: str | None
    reply: str


class AttachmentLike(Protocol):
    @property
    def filename(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def mime(self) -> str: ...


class MessageLike(Protocol):
    """The fields of services.messages.Message a transport reads."""

    @property
    def channel(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str | None: ...
    @property
    def attachments(self) -> Sequence[AttachmentLike]: ...


class Transport(Protocol):
    """`with transport:` opens one connection for the whole batch; send() may be called many times."""

    channel: str

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def send(self, message: MessageLike) -> SendResult: ...


class ClosesOnExit:
    """A transport whose `with` block ends by closing its connection, however the block ended."""

    def close(self) -> None:
        raise NotImplementedError

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def transport_for(ctx: Ctx, channel: str, secrets: SecretStore) -> Transport:
    """The configured transport for "email" or "sms"; a UserError says what is not set up yet."""
    from collector_app.domain.errors import UserError
    from collector_app.secrets import SMS_TOKEN, SMTP_PASSWORD
    from collector_app.services import settings

    if channel == "email":
        from collector_app.channels.smtp import SmtpTransport

        smtp = settings.require_smtp(ctx)
        password = secrets.get(SMTP_PASSWORD) if smtp.user else None
        if smtp.user and password is None:
            raise UserError("smtp-password", "not set: run `collector settings smtp-password`")
        return SmtpTransport(smtp, password)
    if channel == "sms":
        from collector_app.channels.sms import SmsTransport

        sms = settings.require_sms(ctx)
        token = secrets.get(SMS_TOKEN)
        if token is None:
            raise UserError("sms-token", "not set: run `collector settings sms-token`")
        return SmsTransport(sms, token, default_country=settings.firm_country(ctx))
    raise UserError("channel", f'no transport for "{channel}" (expected email or sms)')
