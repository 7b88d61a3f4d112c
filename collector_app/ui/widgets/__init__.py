"""Part of the desktop window: widgets."""
