"""Passwords and API keys live only in the operating system's keyring, under a name derived from the ledger."""

from __future__ import annotations

import hashlib

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from sqlalchemy.engine import URL, make_url

from collector_app.db.engine import sqlite_path
from collector_app.domain.errors import UserError

SMTP_PASSWORD = "smtp-password"
SMS_TOKEN = "sms-token"
KEYS = (SMTP_PASSWORD, SMS_TOKEN)

SETUP_HINT = (
    "no usable keyring to keep passwords in: on Windows and macOS the system keyring is used; on Linux "
    "install and unlock a Secret Service (GNOME Keyring or KWallet, e.g. `apt install gnome-keyring`), "
    "or choose a backend with PYTHON_KEYRING_BACKEND; Collector never keeps passwords in a plain file"
)


def service_name(ledger_url: str) -> str:
    """'Collector:<hash>' of the ledger's file path (or URL without its password): stable, one per ledger."""
    path = sqlite_path(ledger_url)
    if path is not None:
        ident = f"sqlite:{path.resolve()}"
    else:
        u = make_url(ledger_url)
        ident = URL.create(u.drivername, u.username, None, u.host, u.port, u.database, u.query).render_as_string()
    return "Collector:" + hashlib.sha256(ident.encode("utf-8")).hexdigest()[:16]


def _unusable(backend: KeyringBackend) -> bool:
    """The fail/null backends, an empty chainer, or a plaintext file backend (keyrings.alt) are refused."""
    if isinstance(backend, ChainerBackend):
        return all(_unusable(b) for b in backend.backends)
    module = type(backend).__module__
    name = type(backend).__name__.lower()
    return (
        module in ("keyring.backends.fail", "keyring.backends.null")
        or module.startswith("keyrings.alt.file")
        or "plaintext" in name
    )


class SecretStore:
    """get/set/delete of one ledger's secrets; the keyring backend is checked before every use."""

    def __init__(self, service: str, backend: KeyringBackend | None = None) -> None:
        self.service = service
        self._backend = backend

    @classmethod
    def for_ledger(cls, ledger_url: str) -> SecretStore:
        return cls(service_name(ledger_url))

    def _keyring(self) -> KeyringBackend:
        backend = self._backend or keyring.get_keyring()
        if _unusable(backend):
            raise UserError("keyring", SETUP_HINT)
        return backend

    @staticmethod
    def _check_key(key: str) -> None:
        if key not in KEYS:
            raise ValueError(f"unknown secret {key!r}")

    def get(self, key: str) -> str | None:
        self._check_key(key)
        try:
            value = self._keyring().get_password(self.service, key)
        except keyring.errors.KeyringError as exc:
            raise UserError("keyring", f"cannot read {key} ({type(exc).__name__}: is the keyring unlocked?)") from None
        return None if value is None else str(value)

    def is_set(self, key: str) -> bool:
        return self.get(key) is not None

    def set(self, key: str, value: str) -> None:
        self._check_key(key)
        if not value or "\n" in value or "\r" in value:
            raise UserError(key, "must be one non-empty line")
        try:
            self._keyring().set_password(self.service, key, value)
        except keyring.errors.KeyringError as exc:
            raise UserError("keyring", f"cannot store {key} ({type(exc).__name__}: is the keyring unlocked?)") from None

    def delete(self, key: str) -> bool:
        """True if a secret was removed, False if none was set."""
        self._check_key(key)
        backend = self._keyring()
        try:
            backend.delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise UserError("keyring", f"cannot delete {key} ({type(exc).__name__})") from None
        return True
