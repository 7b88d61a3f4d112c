"""Tax identifiers checked with python-stdnum: PL NIP, CZ IČO/DIČ, EU VAT numbers."""

from __future__ import annotations

from stdnum.cz import dic as cz_dic
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
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
