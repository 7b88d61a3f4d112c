"""Status-bar labels that shrink without misstating anything: the register's totals get their room first."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QLabel, QLayout, QStatusBar, QWidget

SEPARATOR = " · "  # between the count and each currency's totals (views.invoices.InvoiceRegisterView.totals_text)
MORE = "…"
MIN_SHARED_WIDTH = 90  # px: the least a path or a run summary is squeezed to
MIN_TOTALS_WIDTH = 200  # px: the most the first entry (the count) may ask for as its minimum


def advance(label: QLabel, text: str) -> int:
    """Pixels `text` takes in the label, rounded up: elidedText cuts a text given its rounded-down width."""
    return math.ceil(QFontMetricsF(label.font()).horizontalAdvance(text)) + 1


def chrome(label: QLabel) -> int:
    """The label's pixels around its text."""
    margins = label.contentsMargins()
    return margins.left() + margins.right() + 2 * label.margin()


def fit_entries(label: QLabel, entries: Sequence[str], width: int) -> str:
    """The most leading entries that fit in `width` px, "…" for the rest; a first entry too long for the
    width (a message, not counts) is cut at its end."""
    for count in range(len(entries), 0, -1):
        text = SEPARATOR.join(entries[:count]) + (SEPARATOR + MORE if count < len(entries) else "")
        if advance(label, text) <= width:
            return text
    return label.fontMetrics().elidedText(SEPARATOR.join(entries), Qt.TextElideMode.ElideRight, width)


class ElidedLabel(QLabel):
    """One line cut with "…" (at `mode`) to the width it is given, never wider than `cap`; the whole text
    is the tooltip and `full`."""

    def __init__(self, mode: Qt.TextElideMode, cap: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = mode
        self.cap = cap
        self.full = ""

    def set_full_text(self, text: str) -> None:
        self.full = text
        self.setToolTip(text)
        self._elide()
        self.updateGeometry()

    def natural_width(self) -> int:
        width = advance(self, self.full) + chrome(self)
        return min(width, self.cap) if self.cap is not None else width

    def sizeHint(self) -> QSize:
        return QSize(self.natural_width(), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(min(self.natural_width(), MIN_SHARED_WIDTH), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        """Before the window lays it out, the label is cut to its natural width (the cap)."""
        width = self.contentsRect().width() if self.isVisible() else self.natural_width()
        super().setText(self.fontMetrics().elidedText(self.full, self.mode, width))


class EntriesLabel(ElidedLabel):
    """Entries joined by SEPARATOR, the most needed first (a run's summary): an entry that does not fit is
    left out whole and "…" says so; the tooltip is set apart (`set_full_text(text, tooltip)`)."""

    def __init__(self, cap: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(Qt.TextElideMode.ElideRight, cap, parent)

    def set_full_text(self, text: str, tooltip: str | None = None) -> None:
        super().set_full_text(text)
        self.setToolTip(text if tooltip is None else tooltip)

    def _elide(self) -> None:
        width = self.contentsRect().width() if self.isVisible() else self.natural_width()
        QLabel.setText(self, fit_entries(self, self.full.split(SEPARATOR), width))


class TotalsLabel(QLabel):
    """The count, then the totals of each currency: an entry that does not fit is left out whole, and "…"
    says so (a number is never cut); the tooltip lists every entry."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full = ""
        self.entries: list[str] = []

    def set_full_text(self, text: str) -> None:
        self.full = text
        self.entries = text.split(SEPARATOR) if text else []
        self.setToolTip("\n".join(self.entries))
        self._fit()
        self.updateGeometry()

    def natural_width(self) -> int:
        return advance(self, self.full) + chrome(self)

    def sizeHint(self) -> QSize:
        return QSize(self.natural_width(), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        first = self.entries[0] + (SEPARATOR + MORE if len(self.entries) > 1 else "") if self.entries else ""
        return QSize(min(advance(self, first) + chrome(self), MIN_TOTALS_WIDTH), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        super().setText(self.shown_text(self.contentsRect().width() if self.isVisible() else self.natural_width()))

    def shown_text(self, width: int) -> str:
        return fit_entries(self, self.entries, width)


class StatusBarFit(QObject):
    """Gives `totals` the width it needs first; the `shared` labels split what is left (a part one of them
    does not need goes to the others) and are elided to it. Re-fits after the bar is resized or re-laid out."""

    def __init__(self, bar: QStatusBar, totals: TotalsLabel, shared: Sequence[ElidedLabel], *,
                 in_turn: bool = False) -> None:
        """`in_turn`: the shared labels take what they want in their order instead of splitting the room
        evenly; a later one left less than its minimum gives way whole."""
        super().__init__(bar)
        self.bar = bar
        self.totals = totals
        self.shared = list(shared)
        self.in_turn = in_turn
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)  # after the layout has placed the labels
        self.timer.timeout.connect(self.fit)
        bar.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self.timer.start()
        return False

    def fit(self) -> None:
        labels = [label for label in self.shared if not label.isHidden()]
        placed: list[QWidget] = [*labels, self.totals] if not self.totals.isHidden() else list(labels)
        room = sum(w.width() for w in placed) + stretch_room(self.bar.layout())
        if not self.totals.isHidden():
            room -= self.totals.natural_width()
        wanted = [label.natural_width() for label in labels]
        widths = in_turn(room, wanted) if self.in_turn else shares(room, wanted)
        for i, (label, width) in enumerate(zip(labels, widths, strict=True)):
            least = label.minimumSizeHint().width()
            label.setMaximumWidth(0 if self.in_turn and i and width < least else max(width, least))


def stretch_room(layout: QLayout | None) -> int:
    """The width the layout gives to stretches (room no label asked for)."""
    if layout is None:
        return 0
    room = 0
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        if item.layout() is not None:
            room += stretch_room(item.layout())
        elif item.spacerItem() is not None and item.expandingDirections() & Qt.Orientation.Horizontal:
            room += item.geometry().width()
    return room


def shares(room: int, wanted: Sequence[int]) -> list[int]:
    """`room` split evenly among labels wanting `wanted` px each; what a label does not need goes to the others."""
    out = [0] * len(wanted)
    left = max(room, 0)
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    for k, i in enumerate(order):
        out[i] = min(wanted[i], left // (len(order) - k))
        left -= out[i]
    return out


def in_turn(room: int, wanted: Sequence[int]) -> list[int]:
    """`room` given to labels wanting `wanted` px in their order: each takes what it wants of what is left."""
    out = []
    for want in wanted:
        out.append(max(min(want, room), 0))
        room -= out[-1]
    return out
