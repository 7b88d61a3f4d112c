"""A read-only look at one outbox message: recipient, subject, text and what the server answered."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from collector_app.services.outbox import CHANNEL_NAMES, StoredMessage


class OutboxMessageDialog(QDialog):
    """Shows what went out (or was tried); a row not sent yet shows a preview composed now."""

    def __init__(self, outbox_id: int, message: StoredMessage, parent: QWidget | None = None, *,
                 note: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Outbox message {0}").format(outbox_id))
        self.resize(720, 560)
        layout = QVBoxLayout(self)
        self.note = QLabel(self._note(message))
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        form = QFormLayout()
        self.recipient = self._line(message.recipient)
        self.subject = self._line(message.subject)
        self.body = QPlainTextEdit(message.body or "")
        self.body.setReadOnly(True)
        self.reply = self._line(message.server_reply)
        self.error = self._line(message.last_error)
        form.addRow(self.tr("State:"), QLabel(message.state))
        self.waiting = self._line(note)  # why a planned row waits, as `outbox list` says it
        if note:
            form.addRow(self.tr("Note:"), self.waiting)
        form.addRow(self.tr("Channel:"), QLabel(CHANNEL_NAMES.get(message.channel, message.channel)))
        form.addRow(self.tr("Recipient:"), self.recipient)
        form.addRow(self.tr("Subject:"), self.subject)
        form.addRow(self.tr("Text:"), self.body)
        form.addRow(self.tr("Server reply:"), self.reply)
        form.addRow(self.tr("Last error:"), self.error)
        layout.addLayout(form, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _line(self, text: str | None) -> QLabel:
        label = QLabel(text or "—")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _note(self, message: StoredMessage) -> str:
        if not message.preview:
            return self.tr("The message as it was sent (or last tried).")
        if message.state in ("skipped", "cancelled"):
            head = self.tr("Not sent ({0}): nothing goes out for this row.").format(message.state)
        else:
            head = self.tr("Not sent yet: the text is composed at send time.")
        if message.preview_error:
            return self.tr("{0} No preview now: {1}").format(head, message.preview_error)
        return self.tr("{0} This preview uses today's amounts.").format(head)
