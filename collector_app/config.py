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


MAX_RECENT = 8


def settings_file() -> Path:
    return config_dir() / "settings.json"


def load_settings() -> dict[str, object]:
    import json

    try:
        data = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_settings(data: dict[str, object]) -> None:
    """Written whole through a temporary file, so a crash never leaves half a settings file."""
    import json

    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def recent_ledgers() -> list[str]:
    value = load_settings().get("recent_ledgers", [])
    return [str(v) for v in value] if isinstance(value, list) else []


def remember_ledger(location: str) -> list[str]:
    """Put a ledger first in the recent list (most recent first, no duplicates)."""
    recent = [location] + [r for r in recent_ledgers() if r != location]
    data = load_settings()
    data["recent_ledgers"] = recent[:MAX_RECENT]
    save_settings(data)
    return recent[:MAX_RECENT]
