"""Where things live on this computer (platformdirs); no secrets are ever written here."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "Collector"


def data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(user_config_dir(APP_NAME, appauthor=False))


def default_ledger_path() -> Path:
    return data_dir() / "ledger.db"
