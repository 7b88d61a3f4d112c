"""Part of the desktop window: dialogs."""
