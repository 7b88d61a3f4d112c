"""The file names of attached invoice copies: national letters kept, nothing a file system refuses, never two alike."""

from __future__ import annotations

import email
import unicodedata
from email import policy
from email.message import EmailMessage

import pytest
from helpers.smtp_server import Recorder, smtp_server

from collector_app.channels.smtp import SmtpTransport
from collector_app.services import settings
from collector_app.services.invoice_pdf import pdf_filename, pdf_filenames
from collector_app.services.messages import Attachment, Message

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(("number", "name"), [
    ("FV/2026/03/0001", "FV-2026-03-0001.pdf"),
    ("FA/ŘÍJEN/1", "FA-ŘÍJEN-1.pdf"),
    ("FA/Ž/7", "FA-Ž-7.pdf"),
    ("FV/Łódź/ŚĆ/12", "FV-Łódź-ŚĆ-12.pdf"),
    ("FV_1_2026", "FV_1_2026.pdf"),
    (' A:B*C?"<>|\\D\t1 ', "A-B-C-D-1.pdf"),
    ("../../etc/passwd", "etc-passwd.pdf"),
    ("///", "invoice.pdf"),
])
def test_a_file_name_keeps_the_letters_of_the_number_and_drops_what_a_file_system_refuses(
        number: str, name: str) -> None:
    assert pdf_filename(number) == name


def test_a_decomposed_letter_is_kept_as_one_letter() -> None:
    assert pdf_filename(unicodedata.normalize("NFD", "FA/Ž/7")) == "FA-Ž-7.pdf"


def test_a_very_long_number_gives_a_name_every_file_system_takes() -> None:
    name = pdf_filename("FV/" + "Ž" * 200)
    assert name.endswith(".pdf") and len(name) <= 84 and len(name.encode()) < 255


def test_two_invoices_of_one_message_never_share_a_file_name() -> None:
    assert pdf_filenames(["FA/Ž/7", "FA/Š/7", "FA/ŘÍJEN/1"]) == ["FA-Ž-7.pdf", "FA-Š-7.pdf", "FA-ŘÍJEN-1.pdf"]
    names = pdf_filenames(["FA/1", "FA 1", "fa-1", "FA-1 (2)", "FA:1"])
    assert names == ["FA-1.pdf", "FA-1 (2).pdf", "fa-1 (3).pdf", "FA-1-2.pdf", "FA-1 (4).pdf"]
    assert len({n.casefold() for n in names}) == len(names)  # also on a file system that ignores case


def test_one_number_keeps_its_plain_name() -> None:
    assert pdf_filenames(["FV/2026/02/0007"]) == ["FV-2026-02-0007.pdf"]
    assert pdf_filenames([]) == []


def test_the_debtor_s_mail_program_reads_the_names_with_their_letters() -> None:
    """The SMTP transport writes a non-ASCII name per RFC 2231; a reader gets the very names back."""
    names = pdf_filenames(["FA/Ž/7", "FA/Š/7", "FA/ŘÍJEN/1"])
    rec = Recorder()
    message = Message("email", "klient@example.com", "Faktury", "Dzień dobry", None,
                      tuple(Attachment(n, PDF, "application/pdf") for n in names), (1,))
    sender = "Firma <biuro@firma.example>"
    with smtp_server(rec) as port, SmtpTransport(settings.SmtpSettings(
            "127.0.0.1", port, "none", None, sender, timeout=10)) as smtp:
        smtp.send(message)
    [got] = rec.received
    assert all(line.isascii() for line in got.content.split(b"\r\n"))
    assert b"filename*=utf-8''FA-%C5%BD-7.pdf" in got.content
    parsed = email.message_from_bytes(got.content, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert [a.get_filename() for a in parsed.iter_attachments()] == names
