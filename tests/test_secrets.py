"""The SecretStore: one keyring entry per ledger and key, and a clear refusal when no keyring can hold it."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from helpers.keyring_memory import MemoryKeyring
from keyring.backends import chainer, fail

from collector_app.db.engine import to_url
from collector_app.domain.errors import UserError
from collector_app.secrets import SMS_TOKEN, SMTP_PASSWORD, SecretStore, service_name


def test_set_get_delete_round_trip(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    store = SecretStore.for_ledger(to_url(tmp_path / "a.db"))
    assert store.get(SMTP_PASSWORD) is None
    store.set(SMTP_PASSWORD, "hasło-ŻÓŁĆ 123")
    assert store.get(SMTP_PASSWORD) == "hasło-ŻÓŁĆ 123"
    assert store.is_set(SMTP_PASSWORD) and not store.is_set(SMS_TOKEN)
    assert memory_keyring.store == {(store.service, SMTP_PASSWORD): "hasło-ŻÓŁĆ 123"}
    assert store.delete(SMTP_PASSWORD) is True
    assert store.delete(SMTP_PASSWORD) is False
    assert store.get(SMTP_PASSWORD) is None


def test_the_service_name_is_stable_and_one_per_ledger(tmp_path: Path) -> None:
    a = service_name(to_url(tmp_path / "a.db"))
    assert a.startswith("Collector:")
    assert a == service_name(to_url(tmp_path / "sub" / ".." / "a.db"))
    assert a != service_name(to_url(tmp_path / "b.db"))
    # a server ledger is named by its URL without the database password
    assert service_name("postgresql://u:pw1@h/db") == service_name("postgresql://u:pw2@h/db")
    assert service_name("postgresql://u@h/db") != service_name("postgresql://u@h/other")


def test_two_ledgers_keep_separate_secrets(tmp_path: Path) -> None:
    a = SecretStore.for_ledger(to_url(tmp_path / "a.db"))
    b = SecretStore.for_ledger(to_url(tmp_path / "b.db"))
    a.set(SMS_TOKEN, "token-a")
    assert b.get(SMS_TOKEN) is None


class EmptyChainer(chainer.ChainerBackend):
    backends = ()


@pytest.mark.parametrize("backend", [fail.Keyring(), EmptyChainer()], ids=["fail", "empty-chainer"])
def test_no_usable_keyring_is_refused_with_a_hint(tmp_path: Path, backend: keyring.backend.KeyringBackend) -> None:
    keyring.set_keyring(backend)
    store = SecretStore.for_ledger(to_url(tmp_path / "a.db"))
    with pytest.raises(UserError, match="keyring") as err:
        store.set(SMTP_PASSWORD, "s3cret-value")
    assert "s3cret-value" not in str(err.value)
    assert "plain file" in err.value.message and "Secret Service" in err.value.message
    with pytest.raises(UserError):
        store.get(SMTP_PASSWORD)
    assert not list(tmp_path.iterdir()), "nothing falls back to a file"


def test_a_plaintext_file_backend_is_refused(tmp_path: Path) -> None:
    class PlaintextKeyring(MemoryKeyring):
        """Stands for keyrings.alt.file.PlaintextKeyring."""

    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(UserError, match="no usable keyring"):
        SecretStore.for_ledger(to_url(tmp_path / "a.db")).set(SMTP_PASSWORD, "x")


def test_secrets_are_one_line(tmp_path: Path) -> None:
    store = SecretStore.for_ledger(to_url(tmp_path / "a.db"))
    for bad in ("", "a\nb"):
        with pytest.raises(UserError, match="one non-empty line"):
            store.set(SMTP_PASSWORD, bad)
