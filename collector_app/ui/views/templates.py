"""The template editor: a reminder text edited beside a live preview rendered for a real invoice of the ledger."""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from collector_app.domain.errors import UserError
from collector_app.services import templates_store
from collector_app.services.templates_store import TemplateInfo, TemplatePreview
from collector_app.templates.render import LANGUAGES
from collector_app.ui.context import AppContext
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.detail import local_time, no_default_button

DEBOUNCE_MS = 300
NameRole = Qt.ItemDataRole.UserRole + 1
LANGUAGE_NAMES = {"pl": "Polski (pl)", "cs": "Čeština (cs)", "en": "English (en)"}
_LINE = re.compile(r"line (\d+)")


class TemplateEditor(QWidget):
    """Pick language and template, edit, and watch subject / text / HTML / SMS follow ~300 ms after typing."""

    def __init__(self, app: AppContext, parent: QWidget | None = None, *, language: str | None = None,
                 name: str | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.infos: list[TemplateInfo] = []
        self.current: tuple[str, str] | None = None
        self.loading = False
        self.invoice_lang: str | None = None  # the language the invoice list was filled for
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.update_preview)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(DEBOUNCE_MS)
        self.search_timer.timeout.connect(self._search)
        self.search_seq = 0
        self.runner = TaskRunner(self)
        self._build()
        self._connect()
        start = language if language in LANGUAGES else "en"
        self.language.setCurrentIndex(LANGUAGES.index(start))
        self.reload_list(select=name)
        no_default_button(self)

    # --- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        QVBoxLayout(self).addWidget(splitter)
        splitter.addWidget(self._build_list())
        splitter.addWidget(self._build_source())
        splitter.addWidget(self._build_preview())
        splitter.setSizes([220, 560, 520])

    def _build_list(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.language = QComboBox()
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.names = QListWidget()
        legend = QLabel(self.tr("● edited in this ledger (used instead of the shipped text)"))
        legend.setWordWrap(True)
        for text, field in ((self.tr("&Language:"), self.language), (self.tr("Te&mplate:"), self.names)):
            label = QLabel(text)
            label.setBuddy(field)
            layout.addWidget(label)
            layout.addWidget(field, 1 if field is self.names else 0)
        layout.addWidget(legend)
        return box

    def _build_source(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.state = QLabel()
        self.source = QPlainTextEdit()
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.source.setFont(font)
        self.source.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_button = QPushButton(self.tr("&Save"))
        self.save_button.setToolTip(self.tr("Checked by rendering it for the chosen invoice first"))
        self.revert_button = QPushButton(self.tr("&Revert to shipped text…"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        for widget in (self.title, self.state, self.source, self.error):
            layout.addWidget(widget, 1 if widget is self.source else 0)
        layout.addLayout(buttons)
        return box

    def _build_preview(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        form = self.preview_form = QFormLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("invoice number…"))
        self.search.setClearButtonEnabled(True)
        self.invoice = QComboBox()
        self.invoice.setMinimumContentsLength(28)
        self.subject = QLabel()
        self.subject.setWordWrap(True)
        self.subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("Fin&d invoice:"), self.search)
        form.addRow(self.tr("Pre&view for:"), self.invoice)
        self.rendered_for = QLabel()
        form.addRow(self.tr("Rendered for:"), self.rendered_for)
        form.addRow(self.tr("Subject:"), self.subject)
        layout.addLayout(form)
        self.tabs = QTabWidget()
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.html = QTextBrowser()
        self.html.setOpenLinks(False)
        sms_box = QWidget()
        sms_layout = QVBoxLayout(sms_box)
        self.sms = QPlainTextEdit()
        self.sms.setReadOnly(True)
        self.sms_info = QLabel()
        sms_layout.addWidget(self.sms, 1)
        sms_layout.addWidget(self.sms_info)
        self.tabs.addTab(self.html, self.tr("E-mail (HTML)"))
        self.tabs.addTab(self.text, self.tr("E-mail (text) / letter"))
        self.tabs.addTab(sms_box, self.tr("SMS"))
        layout.addWidget(self.tabs, 1)
        return box

    def _connect(self) -> None:
        self.language.currentIndexChanged.connect(lambda _i: self._language_changed())
        self.names.currentItemChanged.connect(lambda item, previous: self._template_chosen(item, previous))
        self.source.textChanged.connect(self._source_changed)
        self.search.textChanged.connect(lambda _text: self.search_timer.start())
        self.invoice.currentIndexChanged.connect(lambda _i: self.update_preview())
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)

    # --- choosing ----------------------------------------------------------------------------------
    def lang(self) -> str:
        return str(self.language.currentData())

    def _language_changed(self) -> None:
        if not self.may_leave():
            self.language.blockSignals(True)
            self.language.setCurrentIndex(LANGUAGES.index(self.current[0]) if self.current else 0)
            self.language.blockSignals(False)
            return
        self.reload_list(select=self.current[1] if self.current else None)

    def reload_list(self, select: str | None = None) -> None:
        """The templates of the language, edited ones marked; the default invoice for it."""
        self.infos = self.app.call(templates_store.list_templates)
        lang = self.lang()
        self.loading = True
        self.names.clear()
        for info in (i for i in self.infos if i.language == lang):
            item = QListWidgetItem(f"● {info.name}" if info.overridden else f"   {info.name}")
            item.setData(NameRole, info.name)
            if info.overridden:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setToolTip(self.tr("Edited in this ledger"))
            self.names.addItem(item)
        self.loading = False
        names = [self.names.item(r).data(NameRole) for r in range(self.names.count())]
        self.fill_invoices(self.search.text())
        self.current = None
        self.names.setCurrentRow(names.index(select) if select in names else 0)

    def may_leave(self) -> bool:
        """True when nothing is unsaved, or the person agrees to drop it."""
        if self.current is None or not self.source.document().isModified():
            return True
        answer = QMessageBox.question(self, self.tr("Unsaved template"), self.tr(
            "The changes to {name} are not saved. Discard them?").format(name="/".join(self.current)))
        return answer == QMessageBox.StandardButton.Yes

    def _template_chosen(self, item: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if self.loading or item is None:
            return
        if previous is not None and not self.may_leave():
            self.names.blockSignals(True)
            self.names.setCurrentItem(previous)
            self.names.blockSignals(False)
            return
        self.load(self.lang(), str(item.data(NameRole)))

    def load(self, lang: str, name: str) -> None:
        text = self.app.call(lambda ctx: templates_store.get_template(ctx, lang, name))
        self.current = (lang, name)
        self.loading = True
        self.source.setPlainText(text.source)
        self.source.document().setModified(False)
        self.loading = False
        self.title.setText(f"{lang}/{name}.j2")
        on_invoice = templates_store.is_reminder_template(name)  # a demand letter is tried on the latest letter
        for row in (self.search, self.invoice):
            self.preview_form.setRowVisible(row, on_invoice)
        self.preview_form.setRowVisible(self.rendered_for, not on_invoice)
        self._show_state()
        self.update_preview()

    def _show_state(self) -> None:
        info = next((i for i in self.infos if self.current and (i.language, i.name) == self.current), None)
        if info is not None and info.overridden and info.updated_at is not None:
            self.state.setText(self.tr("Edited in this ledger on {when} by {who}; the shipped text is the default.")
                               .format(when=local_time(info.updated_at), who=info.updated_by or "?"))
        elif info is not None and not info.shipped:
            self.state.setText(self.tr("Shipped text (no file in this language: the English one is used)"))
        else:
            self.state.setText(self.tr("Shipped text"))
        self.revert_button.setEnabled(bool(info and info.overridden))

    def _read_invoices(self, text: str, lang: str) -> tuple[list[tuple[int, str]], int | None]:
        return self.app.call(lambda ctx: (templates_store.find_invoices(ctx, text),
                                          templates_store.sample_invoice_id(ctx, lang)))

    def fill_invoices(self, text: str) -> None:
        """At once (an empty search reads straight off an index); see _search for typed text."""
        self._show_invoices(text, self.lang(), *self._read_invoices(text, self.lang()))

    def _search(self) -> None:
        """A typed number: searched on the worker thread (a miss reads every invoice), the latest search wins."""
        self.search_seq += 1
        seq, text, lang = self.search_seq, self.search.text(), self.lang()
        self.runner.run(lambda: self._read_invoices(text, lang),
                        lambda result: self._searched(seq, text, lang, result), self._search_failed)

    def _searched(self, seq: int, text: str, lang: str, result: object) -> None:
        if not isValid(self) or seq != self.search_seq:
            return
        assert isinstance(result, tuple)  # what _read_invoices returned, passed through a Signal
        self._show_invoices(text, lang, result[0], result[1])

    def _search_failed(self, exc: Exception) -> None:
        if isValid(self):
            self.show_error(exc if isinstance(exc, UserError) else UserError(None, f"{type(exc).__name__}: {exc}"))

    def _show_invoices(self, text: str, lang: str, found: list[tuple[int, str]], default: int | None) -> None:
        keep = self.invoice.currentData() if lang == self.invoice_lang else None  # a new language: its own default
        self.invoice_lang = lang
        self.invoice.blockSignals(True)
        self.invoice.clear()
        for invoice_id, label in found:
            self.invoice.addItem(label, invoice_id)
        if not found:
            self.invoice.addItem(self.tr("(no invoice matches)"), None)
        index = self.invoice.findData(keep) if keep is not None and not text else -1
        if index < 0 and not text:
            index = self.invoice.findData(default)
        self.invoice.setCurrentIndex(max(0, index))
        self.invoice.blockSignals(False)
        if self.current is not None:
            self.update_preview()

    # --- preview -----------------------------------------------------------------------------------
    def _source_changed(self) -> None:
        if not self.loading:
            self.debounce.start()  # restarted by every keystroke: renders once typing pauses

    def update_preview(self) -> None:
        self.debounce.stop()
        if self.current is None:
            return
        lang, name = self.current
        source, invoice_id = self.source.toPlainText(), self.invoice.currentData()
        try:
            result = self.app.call(lambda ctx: templates_store.preview(ctx, lang, name, source, invoice_id))
        except UserError as exc:
            self.show_error(exc)
            return
        self.show_error(None)
        self.show_preview(result)

    def show_preview(self, p: TemplatePreview) -> None:
        self.rendered_for.setText(p.invoice if p.contractor in p.invoice else f"{p.invoice} — {p.contractor}")
        self.subject.setText(p.subject)
        self.text.setPlainText(p.text)
        self.html.setHtml(p.html or f"<p><i>{self.tr('(no HTML part)')}</i></p>")
        self.sms.setPlainText(p.sms)
        info = self.tr("{chars} characters, {parts} SMS").format(chars=p.sms_chars, parts=p.sms_parts)
        if p.sms_refused:
            info += " — " + self.tr("too long: the SMS channel refuses it")
        self.sms_info.setText(info)

    def show_error(self, exc: UserError | None) -> None:
        """The fault under the editor, its line marked; None clears both."""
        self.error.setText(exc.message if exc else "")
        self.error.setVisible(exc is not None)
        selections: list[QTextEdit.ExtraSelection] = []
        found = _LINE.search(exc.message) if exc else None
        if found and exc is not None and "_parts.j2" not in exc.message:
            block = self.source.document().findBlockByNumber(int(found.group(1)) - 1)
            if block.isValid():
                mark = QTextEdit.ExtraSelection()
                mark.format.setBackground(QColor("#ffcdd2"))
                mark.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                mark.cursor = QTextCursor(block)
                selections.append(mark)
        self.source.setExtraSelections(selections)

    # --- writing -----------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.current is None:
            return False
        lang, name = self.current
        source, invoice_id = self.source.toPlainText(), self.invoice.currentData()
        try:
            self.app.call(lambda ctx: templates_store.save_template(ctx, lang, name, source, invoice_id=invoice_id))
        except UserError as exc:
            self.show_error(exc)
            return False
        self.source.document().setModified(False)
        self.reload_list(select=name)
        return True

    def revert(self) -> None:
        if self.current is None:
            return
        lang, name = self.current
        answer = QMessageBox.question(self, self.tr("Revert template"), self.tr(
            "Replace the edited text of {lang}/{name} by the shipped one? The edited text is kept only in the "
            "ledger's history.").format(lang=lang, name=name))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.app.call(lambda ctx: templates_store.revert_template(ctx, lang, name))
        except UserError as exc:
            self.show_error(exc)
            return
        self.source.document().setModified(False)
        self.reload_list(select=name)


def fitting_size(widget: QWidget, width: int, height: int) -> QSize:
    """The size asked for, shrunk to the screen's free area (a 1366×768 laptop keeps the buttons in sight)."""
    screen = widget.screen()
    area = screen.availableGeometry() if screen is not None else None
    if area is None or area.isEmpty():
        return QSize(width, height)
    return QSize(min(width, area.width() - 40), min(height, area.height() - 60))


class TemplateEditorDialog(QDialog):
    """The editor in a window of its own, so the page it was opened from stays usable."""

    def __init__(self, app: AppContext, parent: QWidget | None = None, *, language: str | None = None,
                 name: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Message templates"))
        self.resize(fitting_size(self, 1280, 760))
        self.editor = TemplateEditor(app, self, language=language, name=name)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)  # asks first when an edit is not saved
        layout.addWidget(self.buttons)

    def reject(self) -> None:
        if self.editor.may_leave():
            super().reject()


def open_template_editor(app: AppContext, parent: QWidget | None = None, *, language: str | None = None,
                         name: str | None = None) -> TemplateEditorDialog:
    dialog = TemplateEditorDialog(app, parent, language=language, name=name)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
