"""The one error a person is meant to read: names the field (or file/line) and what was expected."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action; carries the text shown to the user as is."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)
