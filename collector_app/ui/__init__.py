"""The PySide6 desktop window: a thin front over the same services as the command line."""
