"""Tax identifiers checked with python-stdnum: PL NIP, CZ IČO/DIČ, EU VAT numbers, and other countries' ids."""

from __future__ import annotations

import contextlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from types import ModuleType
from typing import Literal

from stdnum.cz import dic as cz_dic
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.pl import nip as pl_nip

from collector_app.domain.errors import UserError

# VAT id prefixes (stdnum's EU member states; Greece writes EL, Northern Ireland XI) → ISO 3166 country
_VAT_PREFIX_COUNTRY = {**{cc.upper(): cc.upper() for cc in eu_vat.MEMBER_STATES if cc not in ("gr", "xi")},
                       "EL": "GR", "XI": "GB"}


def vat_prefix_country(tax_id: str) -> str | None:
    """The country a tax id's EU VAT prefix names (CZ25596641 → CZ, EL… → GR), None without such a prefix."""
    compact = "".join(ch for ch in tax_id if ch.isalnum()).upper()
    country, rest = _VAT_PREFIX_COUNTRY.get(compact[:2]), compact[2:]
    if country in ("PL", "CZ"):  # as compact_tax_id reads them: digits only
        return country if rest.isdigit() else None
    return country if country and any(ch.isdigit() for ch in rest) else None


def _fail(tax_id: str, country: str, what: str) -> UserError:
    return UserError("tax-id", f'"{tax_id}" is not a valid {what} for country {country}')


def normalize_tax_id(tax_id: str, country: str) -> str:
    """Validate and return the compact form kept in the ledger (PL 10 digits, CZ digits, else VAT id).

    A number with a two-letter prefix is taken as an EU VAT id whatever the country; a bare PL NIP
    or CZ IČO/DIČ is checked by its own checksum.
    """
    text = tax_id.strip()
    if not text:
        raise UserError("tax-id", "is empty")
    country = country.upper()
    prefixed = text[:2].isalpha()
    try:
        if prefixed:
            if text[:2].upper() in {"PL", "CZ"} and text[:2].upper() != country and country in {"PL", "CZ"}:
                raise _fail(tax_id, country, "tax id")
            return str(eu_vat.validate(text))
        if country == "PL":
            return str(pl_nip.validate(text))
        if country == "CZ":
            return str(cz_dic.validate(text))
        return str(eu_vat.validate(country + text))
    except ValidationError as exc:
        what = {"PL": "NIP", "CZ": "IČO/DIČ"}.get(country, "VAT id") if not prefixed else "EU VAT id"
        raise _fail(tax_id, country, what) from exc


def compact_tax_id(tax_id: str) -> str:
    """Loose form for lookups: no spaces or dashes, upper case, PL/CZ prefix dropped."""
    compact = "".join(ch for ch in tax_id if ch.isalnum()).upper()
    if compact[:2] in {"PL", "CZ"} and compact[2:].isdigit():
        return compact[2:]
    return compact


# stdnum modules of a country that number no taxpayer (accounts, postcodes, securities, schools, payment
# references, identity cards, social insurance …)
_NO_PARTY_IDS = frozenset({
    "bankaccount", "iban", "kontonr", "cbu", "ccc", "rtn", "esr", "ogm_vcs", "postleitzahl", "postal_code",
    "postcode", "postnummer", "wkn", "sedol", "nhs", "upn", "brin", "onderwijsnummer", "identiteitskaartnummer",
    "aic", "cups", "cae", "referenciacatastral", "ncf", "leitweg", "eid", "bc_phn", "accise", "vnr", "ssn", "cc",
})
_EU_COUNTRIES = frozenset(cc.upper() for cc in eu_vat.MEMBER_STATES if cc != "xi")
Verdict = Literal["valid", "invalid", "unchecked"]


@dataclass(frozen=True, slots=True)
class TaxIdCheck:
    """How an imported tax id fares: valid, failing a scheme's checksum, or of no scheme known to be checked.
    `stored` is the compact form kept in the ledger when the EU/PL/CZ rules pass, else None (kept as written)."""

    verdict: Verdict
    stored: str | None = None


def check_imported_tax_id(tax_id: str, country: str) -> TaxIdCheck:
    """An imported file's tax id judged by `country`'s rules: PL, CZ and EU VAT ids as typed-in ones are; another
    country's by the schemes python-stdnum knows for it (an Australian ABN, a Swiss UID, a French SIREN …).
    No scheme of that country fits its form (a Singapore GST number): "unchecked", never a checksum failure."""
    try:
        return TaxIdCheck("valid", normalize_tax_id(tax_id, country))
    except UserError:
        pass
    country = country.upper()
    if country in ("PL", "CZ") or vat_prefix_country(tax_id) is not None:
        return TaxIdCheck("invalid")
    verdicts = {_verdict(module, tax_id) for module in _party_id_modules(country)}
    for verdict in ("valid", "form only", "invalid"):  # a scheme checking it wins over one of its form alone
        if verdict in verdicts:
            return TaxIdCheck("unchecked" if verdict == "form only" else verdict)
    return TaxIdCheck("invalid" if country in _EU_COUNTRIES else "unchecked")  # an EU buyer's VAT id it should be


def _verdict(module: ModuleType, tax_id: str) -> str:
    """How one scheme judges the id: "valid" by its check digits; "form only" when the scheme has none (a German
    Steuernummer, a US EIN: a changed last digit passes too); "invalid" with its form but failing its check
    digits; "other" when not of its form."""
    error = _error(module, tax_id)
    if error is not None:
        return "invalid" if error is InvalidChecksum else "other"
    compact = str(getattr(module, "compact", str)(tax_id))
    changed = compact[:-1] + _other_char(compact[-1:])
    return "form only" if compact and _error(module, changed) is None else "valid"


def _error(module: ModuleType, tax_id: str) -> type[Exception] | None:
    """The class of the error the scheme's validate raises for the id, None when it passes."""
    try:
        module.validate(tax_id)
    except InvalidChecksum:
        return InvalidChecksum
    except (ValidationError, ValueError, TypeError, IndexError) as exc:
        return type(exc)
    return None


def _other_char(char: str) -> str:
    """Another character of the same class: a changed last digit that still passes shows there is no check."""
    if char.isdigit():
        return str((int(char) + 1) % 10)
    return "A" if char.upper() != "A" else "B"


@cache
def _party_id_modules(country: str) -> tuple[ModuleType, ...]:
    """python-stdnum's modules for a country's tax, business and personal ids (stdnum.au: abn, acn, tfn)."""
    code = country.lower()
    if len(code) != 2 or not code.isalpha() or code == "eu":
        return ()
    package_name = f"stdnum.{code}_" if code in ("in", "is", "if") else f"stdnum.{code}"
    try:
        package = import_module(package_name)
    except ImportError:
        return ()
    modules = []
    for name in sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name not in _NO_PARTY_IDS):
        with contextlib.suppress(ImportError):  # a module needing what is not installed checks nothing
            modules.append(import_module(f"{package_name}.{name}"))
    return tuple(m for m in modules if callable(getattr(m, "validate", None)))
