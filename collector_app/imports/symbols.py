"""Czech and Slovak payment symbols in statements: only the variable symbol names an invoice.

Banks write the variable (VS), constant (KS) and specific (SS) symbols as items of their own: a structured
reference "VS:178142024" or "KS:0308", a sub-field "?22KS0308", an end-to-end id "/VS/123/SS/456/KS/0308",
a reference "VS:1,KS:0308,SS:7". The constant symbol is a payment-type code (0308: payment for services) and
the specific symbol the payer's own number, so neither may be searched for invoice numbers: an item made of
symbols only gives its variable symbol, as a reference and in the title, and nothing else. Symbols inside a
sentence the payer wrote stay as written.
"""

from __future__ import annotations

import re

# One symbol: "VS:123", "VS 123", "VS123", "/VS/123", "/SS/" (empty), "KS=0308"; at most 10 digits.
_SYMBOL = re.compile(r"(?<![0-9A-Za-z])/?(VS|KS|SS)(?![A-Za-z])[ \t]*[:=./-]?[ \t]*/?[ \t]*(\d{0,10})(?!\d)",
                     re.IGNORECASE)
_BETWEEN = re.compile(r"[\s,;/]*")
VARIABLE = "VS"
_KINDS = frozenset({VARIABLE, "KS", "SS"})
# A structured reference's type (CdtrRefInf/Tp/CdOrPrtry/Prtry) naming a symbol in words: "variabilní symbol",
# "constant symbol", "specifický symbol".
_KIND_WORDS = {"V": VARIABLE, "K": "KS", "C": "KS", "S": "SS"}


def symbols_only(text: str) -> list[tuple[str, str]] | None:
    """The symbols of a text that holds nothing else, as (VS|KS|SS, digits as written, maybe ""); None
    when the text holds anything else."""
    found: list[tuple[str, str]] = []
    position = _skip(text, 0)
    while position < len(text):  # symbol after symbol from the start: most texts fail at the first
        match = _SYMBOL.match(text, position)
        if match is None:
            return None
        found.append((match.group(1).upper(), match.group(2)))
        position = _skip(text, match.end())
    return found or None


def _skip(text: str, position: int) -> int:
    """Past the separators at `position`."""
    found = _BETWEEN.match(text, position)
    return found.end() if found else position


def variable_symbol(found: list[tuple[str, str]]) -> str | None:
    """The first variable symbol that is not zero ("VS:0" is none)."""
    return next((digits for kind, digits in found if kind == VARIABLE and digits.strip("0")), None)


def reference(text: str) -> str | None:
    """What matching may search of a reference: a text of symbols only gives its variable symbol (None
    without one); any other text is itself."""
    found = symbols_only(text)
    return text if found is None else variable_symbol(found)


def shown(text: str) -> str:
    """How an item of text goes into a title: as written, unless it is made of symbols only with a constant
    or specific one among them: then its variable symbol alone ("VS:123"), or nothing."""
    return shown_as(text, symbols_only(text))


def shown_as(text: str, found: list[tuple[str, str]] | None) -> str:
    """shown(text), given what symbols_only said of it."""
    if found is None or all(kind == VARIABLE for kind, _ in found):
        return text
    vs = variable_symbol(found)
    return f"VS:{vs}" if vs else ""


def kind_of(name: str) -> str | None:
    """The symbol a structured reference's type names ("VS", "KS", "konstantní symbol"…), or None."""
    upper = " ".join(name.split()).upper()
    if upper in _KINDS:
        return upper
    return _KIND_WORDS.get(upper[:1]) if upper.endswith(" SYMBOL") else None


def blank_other_symbols(text: str) -> str:
    """The text with the digits of every constant and specific symbol written in it ("KS 0308", "SS:77")
    blanked, same length: for a search of free text that must not take them for invoice numbers."""
    return _SYMBOL.sub(lambda m: m.group() if m.group(1).upper() == VARIABLE else " " * len(m.group()), text)
