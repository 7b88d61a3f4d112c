"""Part of the desktop window: views."""
