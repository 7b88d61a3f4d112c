"""Part of the desktop window: models."""
