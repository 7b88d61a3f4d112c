"""A read-only look at one message as it would be sent today: recipient, subject, text and rendered HTML."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QTabWidget, QTextBrowser, QWidget

from collector_app.services.messages import Message
from collector_app.ui.forms import child, load_form


class MessagePreviewDialog(QDialog):
    """The HTML tab shows only when the message has an HTML part (e-mail); remote content is not loaded."""

    def __init__(self, message: Message, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Message preview — {subject}").format(subject=message.subject))
        self.resize(680, 600)
        self.form = load_form("message_preview", self)
        self.recipient = child(self.form, QLabel, "recipientLabel")
        self.subject = child(self.form, QLabel, "subjectLabel")
        self.attachments = child(self.form, QLabel, "attachmentsLabel")
        self.tabs = child(self.form, QTabWidget, "bodyTabs")
        self.html = child(self.form, QTextBrowser, "htmlView")
        self.text = child(self.form, QPlainTextEdit, "textView")
        child(self.form, QDialogButtonBox, "buttonBox").rejected.connect(self.reject)
        self._fill(message)

    def _fill(self, message: Message) -> None:
        self.recipient.setText(f"{message.recipient} ({message.channel})")
        self.subject.setText(message.subject)
        names = ", ".join(a.filename for a in message.attachments)
        self.attachments.setText(names or self.tr("nothing"))
        self.text.setPlainText(message.text)
        if message.html:
            self.html.setHtml(message.html)
        else:
            self.tabs.removeTab(self.tabs.indexOf(child(self.form, QWidget, "htmlTab")))
        self.tabs.setCurrentIndex(0)
