"""Importing a buyer whose tax id carries a VAT prefix: the prefix's country, and its rules for the checksum."""

from __future__ import annotations

from pathlib import Path

from helpers.invoice_imports import documents, make_firm, run_import
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor
from collector_app.domain.clock import FixedClock
from collector_app.imports.invoice_csv import NO_DUE_COLUMN
from collector_app.services.context import Ctx
from collector_app.services.contractors import ContractorData, add_contractor
from collector_app.services.firm import FirmChanges, set_firm
from collector_app.services.import_invoices import InvoiceImportResult

HEADER = "number;contractor;tax_id;issue_date;gross;currency\n"


def _csv(tmp_path: Path, *rows: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _warnings(result: InvoiceImportResult) -> str:
    return " | ".join(_tax_id_warnings(result))


def _tax_id_warnings(result: InvoiceImportResult) -> list[str]:
    """The warnings besides the file's note that it has no due-date column (these files have none)."""
    return [w["text"] for w in result.summary.warnings if w["text"] != NO_DUE_COLUMN]


def _contractors(ledger: Ledger) -> dict[str, Contractor]:
    with ledger.transaction() as s:
        return {c.name: c for c in s.scalars(select(Contractor))}


def test_a_prefixed_tax_id_gives_a_new_contractor_its_country_and_language(ledger: Ledger, clock: FixedClock,
                                                                          tmp_path: Path) -> None:
    make_firm(ledger, clock)  # a Polish firm
    result = run_import(ledger, clock, _csv(
        tmp_path,
        "FV/1/2026;Šťastný s.r.o.;CZ25596641;2026-03-01;100,00;CZK",
        "FV/2/2026;Slovan a.s.;SK2020317068;2026-03-01;100,00;EUR",
        "FV/3/2026;Deutsche Kunde GmbH;DE136695976;2026-03-01;100,00;EUR",
        "FV/4/2026;Beta Bud;PL5260250274;2026-03-01;100,00;PLN",
        "FV/5/2026;Gamma Handel;5252344078;2026-03-01;100,00;PLN",  # no prefix: the firm's country, as before
    ))
    assert "checksum" not in _warnings(result)  # every one of them is valid by its own country's rules
    got = {name: (c.country, c.language, c.tax_id, c.tax_key) for name, c in _contractors(ledger).items()}
    assert got == {
        "Šťastný s.r.o.": ("CZ", "cs", "CZ25596641", "25596641"),
        "Slovan a.s.": ("SK", "cs", "SK2020317068", "SK2020317068"),
        "Deutsche Kunde GmbH": ("DE", "en", "DE136695976", "DE136695976"),
        "Beta Bud": ("PL", "pl", "PL5260250274", "5260250274"),
        "Gamma Handel": ("PL", "pl", "5252344078", "5252344078"),
    }


def test_a_prefixed_id_failing_its_own_checksum_is_still_reported(ledger: Ledger, clock: FixedClock,
                                                                   tmp_path: Path) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, _csv(tmp_path, "FV/1/2026;Šťastný s.r.o.;CZ25596640;2026-03-01;10,00;CZK"))
    assert 'tax id "CZ25596640" of Šťastný s.r.o. fails its checksum' in _warnings(result)
    firm = _contractors(ledger)["Šťastný s.r.o."]
    assert (firm.country, firm.tax_id) == ("CZ", "CZ25596640")  # kept as the file says


def test_a_czech_firm_imports_a_polish_buyer(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    with ledger.transaction() as s:
        set_firm(Ctx(s, clock, "tester"), FirmChanges(name="Naše firma s.r.o.", country="CZ", currency="CZK"))
    result = run_import(ledger, clock, _csv(
        tmp_path, "F/1;Beta Bud;PL5260250274;2026-03-01;10,00;PLN", "F/2;Horák;25596641;2026-03-01;10,00;CZK"))
    assert _tax_id_warnings(result) == []
    got = {name: (c.country, c.language) for name, c in _contractors(ledger).items()}
    assert got == {"Beta Bud": ("PL", "pl"), "Horák": ("CZ", "cs")}


def test_prefixed_and_bare_spellings_match_one_existing_contractor(ledger: Ledger, clock: FixedClock,
                                                                  tmp_path: Path) -> None:
    make_firm(ledger, clock)
    with ledger.transaction() as s:
        typed = add_contractor(Ctx(s, clock, "tester"), ContractorData(name="Pekárna Horák s.r.o.", country="CZ",
                                                                       tax_id="25596641"))
        typed_id = typed.id
    result = run_import(ledger, clock, _csv(
        tmp_path,
        "FV/1/2026;Pekárna Horák (export name);CZ25596641;2026-03-01;10,00;CZK",
        "FV/2/2026;Pekárna Horák s.r.o.;25596641;2026-03-02;10,00;CZK",  # bare: judged by the contractor's CZ
    ))
    assert _tax_id_warnings(result) == []
    assert len(_contractors(ledger)) == 1
    docs = documents(ledger)
    assert docs["FV/1/2026"].contractor_id == docs["FV/2/2026"].contractor_id == typed_id
    horak = _contractors(ledger)["Pekárna Horák s.r.o."]
    assert (horak.country, horak.language, horak.tax_id) == ("CZ", "cs", "25596641")  # what a person typed stays


def test_an_existing_contractor_keeps_its_country_and_its_tax_id_is_judged_by_it(ledger: Ledger, clock: FixedClock,
                                                                                tmp_path: Path) -> None:
    make_firm(ledger, clock)
    with ledger.transaction() as s:  # typed in as Polish, with the id a person took for a NIP
        add_contractor(Ctx(s, clock, "tester"), ContractorData(name="Horák", country="PL"))
    first = run_import(ledger, clock, _csv(tmp_path, "FV/1/2026;Horák;25596641;2026-03-01;10,00;CZK", name="a.csv"))
    assert 'tax id "25596641" of Horák fails its checksum' in _warnings(first)  # judged by its country's rules
    assert _contractors(ledger)["Horák"].country == "PL"
    again = run_import(ledger, clock, _csv(tmp_path, "FV/2/2026;Horák;CZ25596641;2026-03-02;10,00;CZK",
                                           name="b.csv"))
    horak = _contractors(ledger)["Horák"]
    assert len(_contractors(ledger)) == 1 and horak.country == "PL"  # matched by tax id, its country kept
    assert 'tax id "CZ25596641" of Horák is a tax id of CZ, while the contractor\'s country is PL' in _warnings(again)


def test_a_name_match_without_a_tax_id_gets_the_prefixed_id_normalised(ledger: Ledger, clock: FixedClock,
                                                                       tmp_path: Path) -> None:
    make_firm(ledger, clock)
    with ledger.transaction() as s:
        add_contractor(Ctx(s, clock, "tester"), ContractorData(name="Slovan a.s.", country="SK"))
    result = run_import(ledger, clock, _csv(tmp_path, "FV/1/2026;Slovan a.s.;sk 2020317068;2026-03-01;10,00;EUR"))
    assert _tax_id_warnings(result) == []
    slovan = _contractors(ledger)["Slovan a.s."]
    assert (slovan.tax_id, slovan.tax_key, slovan.country) == ("SK2020317068", "SK2020317068", "SK")


def test_a_bare_id_valid_only_in_the_other_country_gives_that_country(ledger: Ledger, clock: FixedClock,
                                                                      tmp_path: Path) -> None:
    """A Polish firm's register lists a Czech client by its bare IČO, with no country column: the client is
    Czech (its reminders in Czech), and the summary says so; an id valid nowhere keeps the firm's country."""
    make_firm(ledger, clock)  # a Polish firm
    result = run_import(ledger, clock, _csv(
        tmp_path,
        "FV/1/2026;Kovo Ostrava s.r.o.;25596641;2026-03-01;100,00;CZK",
        "FV/2/2026;Kovo Ostrava s.r.o.;25596641;2026-03-02;200,00;CZK",
        "FV/3/2026;Gamma Handel;5252344078;2026-03-01;100,00;PLN",
        "FV/4/2026;Nikdo;12345678;2026-03-01;100,00;PLN",
    ))
    got = {name: (c.country, c.language, c.tax_id) for name, c in _contractors(ledger).items()}
    assert got == {"Kovo Ostrava s.r.o.": ("CZ", "cs", "25596641"), "Gamma Handel": ("PL", "pl", "5252344078"),
                   "Nikdo": ("PL", "pl", "12345678")}
    warnings = _tax_id_warnings(result)
    assert warnings == ['Kovo Ostrava s.r.o.: country CZ taken from its tax id "25596641" (not a valid PL one; '
                        "the file names no country)",
                        'tax id "12345678" of Nikdo fails its checksum: kept as the file says']
