"""Vocabulary and identity makers for the demo ledger: Polish and Czech firms that look and check like real ones."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class Dice(random.Random):
    """Seeded draws through random() alone: several times faster than the bit-exact originals, just as repeatable."""

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]

# --- people --------------------------------------------------------------------------------

PL_MEN = ("Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Jakub", "Adam", "Łukasz",
          "Grzegorz", "Marek", "Jan", "Rafał", "Kamil", "Wojciech", "Mateusz", "Dariusz", "Robert", "Mariusz")
PL_WOMEN = ("Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Magdalena", "Joanna", "Aleksandra",
            "Monika", "Beata", "Dorota", "Justyna", "Karolina", "Marta", "Natalia", "Iwona", "Elżbieta", "Renata",
            "Paulina")
PL_SURNAMES = ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
               "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk",
               "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Nowicki", "Adamczyk", "Dudek",
               "Zając", "Wieczorek", "Jabłoński", "Król", "Majewski", "Olszewski", "Jaworski", "Wróbel",
               "Malinowski", "Pawlak", "Witkowski", "Walczak", "Stępień", "Górski", "Rutkowski", "Michalak",
               "Sikora", "Ostrowski", "Baran", "Duda", "Szewczyk", "Tomaszewski", "Pietrzak", "Marciniak",
               "Wróblewski", "Zalewski", "Jakubowski", "Jasiński", "Zawadzki", "Sadowski", "Bąk", "Chmielewski",
               "Włodarczyk", "Borkowski", "Czarnecki", "Sawicki")
CZ_MEN = ("Jan", "Jiří", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jaroslav", "Miroslav", "Zdeněk", "Václav",
          "Michal", "František", "Jakub", "Lukáš", "David", "Ondřej", "Karel", "Milan", "Vojtěch")
CZ_WOMEN = ("Jana", "Marie", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Lucie", "Věra", "Alena", "Petra",
            "Veronika", "Martina", "Jaroslava", "Tereza", "Michaela", "Zuzana", "Ivana", "Monika", "Markéta")
CZ_SURNAMES = (("Novák", "Nováková"), ("Svoboda", "Svobodová"), ("Novotný", "Novotná"), ("Dvořák", "Dvořáková"),
               ("Černý", "Černá"), ("Procházka", "Procházková"), ("Kučera", "Kučerová"), ("Veselý", "Veselá"),
               ("Horák", "Horáková"), ("Němec", "Němcová"), ("Marek", "Marková"), ("Pospíšil", "Pospíšilová"),
               ("Pokorný", "Pokorná"), ("Hájek", "Hájková"), ("Král", "Králová"), ("Jelínek", "Jelínková"),
               ("Růžička", "Růžičková"), ("Beneš", "Benešová"), ("Fiala", "Fialová"), ("Sedláček", "Sedláčková"),
               ("Doležal", "Doležalová"), ("Zeman", "Zemanová"), ("Kolář", "Kolářová"), ("Navrátil", "Navrátilová"),
               ("Čermák", "Čermáková"), ("Urban", "Urbanová"), ("Vaněk", "Vaňková"), ("Blažek", "Blažková"),
               ("Kříž", "Křížová"), ("Kovář", "Kovářová"))


def pl_feminine(surname: str) -> str:
    for end, fem in (("cki", "cka"), ("dzki", "dzka"), ("ski", "ska")):
        if surname.endswith(end):
            return surname[: -len(end)] + fem
    return surname


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def person(rnd: Dice, country: str) -> Person:
    female = rnd.random() < 0.55  # accounts departments are mostly women
    if country == "CZ":
        men, women = CZ_MEN, CZ_WOMEN
        pair = rnd.pick(CZ_SURNAMES)
        last = pair[1] if female else pair[0]
    else:
        men, women = PL_MEN, PL_WOMEN
        base = rnd.pick(PL_SURNAMES)
        last = pl_feminine(base) if female else base
    first = rnd.pick(women) if female else rnd.pick(men)
    return Person(first, last, female)


# Contact roles: (masculine, feminine) per language.
ROLES = {
    "pl": (("Główny księgowy", "Główna księgowa"), ("Księgowy", "Księgowa"), ("Prezes zarządu", "Prezes zarządu"),
           ("Właściciel", "Właścicielka"), ("Kierownik zakupów", "Kierowniczka zakupów"),
           ("Dyrektor finansowy", "Dyrektor finansowa"), ("Specjalista ds. rozliczeń", "Specjalistka ds. rozliczeń")),
    "cs": (("Hlavní účetní", "Hlavní účetní"), ("Účetní", "Účetní"), ("Jednatel", "Jednatelka"),
           ("Majitel", "Majitelka"), ("Vedoucí nákupu", "Vedoucí nákupu"), ("Finanční ředitel", "Finanční ředitelka")),
    "en": (("Accounts payable", "Accounts payable"), ("Finance manager", "Finance manager"), ("Owner", "Owner"),
           ("Purchasing manager", "Purchasing manager")),
}

# --- firms ---------------------------------------------------------------------------------

PL_TRADES = ("Hurtownia Budowlana", "Hurtownia Spożywcza", "Zakład Stolarski", "Piekarnia", "Przedsiębiorstwo Handlowe",
             "Usługi Transportowe", "Zakład Mechaniki Pojazdów", "Biuro Rachunkowe", "Drukarnia", "Studio Projektowe",
             "Serwis Komputerowy", "Firma Remontowa", "Centrum Ogrodnicze", "Auto Części", "Instalacje Elektryczne",
             "Hurtownia Elektryczna", "Przetwórstwo Mięsne", "Tartak", "Kamieniarstwo", "Zakład Ślusarski",
             "Hurtownia Farmaceutyczna", "Agencja Reklamowa", "Pracownia Architektoniczna", "Usługi Dźwigowe")
PL_BRAND_HEADS = ("Pol", "Euro", "Trans", "Agro", "Budo", "Tech", "Metal", "Drew", "Elektro", "Medi", "Info", "Eko",
                  "Inter", "Hydro", "Termo", "Auto", "Chem", "Stal", "Rol", "Bio", "Geo", "Mega", "Nova", "Omni",
                  "Prima", "Uni", "Mazow", "Warm", "Pomorz", "Wiel")
PL_BRAND_TAILS = ("bud", "mex", "pol", "tex", "trans", "med", "soft", "plast", "stal", "rol", "gaz", "tech", "net",
                  "max", "lux", "land", "kom", "san", "sped", "serwis", "system", "dom", "mar", "bis", "hurt", "drog")
PL_BRAND_EXTRAS = ("", "", "", " Polska", " Logistyka", " Dystrybucja", " Serwis", " Group", " Trade", " Produkcja")
PL_FORMS = (("Sp. z o.o.", 58), ("S.A.", 5), ("Sp. j.", 12), ("Sp. k.", 8), ("", 17))

CZ_TRADES = ("Stavební firma", "Pekárna", "Truhlářství", "Autoservis", "Elektroinstalace", "Velkoobchod", "Doprava",
             "Účetní kancelář", "Tiskárna", "Zahradnictví", "Kovovýroba", "Potraviny", "Instalatérství", "Projekce",
             "Reklamní agentura", "Kamenictví", "Zámečnictví", "Pila")
CZ_BRAND_HEADS = ("Agro", "Stav", "Tech", "Elektro", "Auto", "Bio", "Eko", "Inter", "Metal", "Moravia", "Bohemia",
                  "Pro", "Servis", "Trans", "Kovo", "Mont", "Plast", "Data", "Tele", "Euro", "Vltava", "Labe")
CZ_BRAND_TAILS = ("stav", "tex", "tech", "mont", "plast", "trans", "servis", "trade", "com", "soft", "met", "flex",
                  "data", "line", "pro", "art", "kov", "sped", "agro", "chem")
CZ_BRAND_EXTRAS = ("", "", "", " CZ", " Praha", " Morava", " Trade", " Group", " Servis", " Logistik")
CZ_FORMS = (("s.r.o.", 65), ("a.s.", 10), ("v.o.s.", 5), ("", 20))


def _weighted(rnd: Dice, pairs: tuple[tuple[str, int], ...]) -> str:
    total = sum(w for _, w in pairs)
    pick = rnd.randrange(total)
    for value, weight in pairs:
        if pick < weight:
            return value
        pick -= weight
    return pairs[-1][0]  # pragma: no cover - the loop always returns


def firm_name(rnd: Dice, country: str) -> tuple[str, str]:
    """A firm's registered name and the core used for its e-mail domain."""
    pl = country != "CZ"
    form = _weighted(rnd, PL_FORMS if pl else CZ_FORMS)
    trade = rnd.pick(PL_TRADES if pl else CZ_TRADES)
    if not form:  # a sole trader: the trade and the owner's name
        owner = person(rnd, country)
        return f"{trade} {owner.name}", f"{trade} {owner.last}"
    style = rnd.random()
    if style < 0.45:
        heads, tails = (PL_BRAND_HEADS, PL_BRAND_TAILS) if pl else (CZ_BRAND_HEADS, CZ_BRAND_TAILS)
        core = rnd.pick(heads) + rnd.pick(tails) + rnd.pick(PL_BRAND_EXTRAS if pl else CZ_BRAND_EXTRAS)
    elif style < 0.75:
        core = f"{trade} {_family_name(rnd, pl)}"
    elif style < 0.88:
        core = f"{_family_name(rnd, pl)} i Wspólnicy" if pl else f"{_family_name(rnd, pl)} a syn"
    else:
        first, second = _family_name(rnd, pl), _family_name(rnd, pl)
        core = f"{first} & {second}" if first != second else f"{first} Holding"
    return f"{core} {form}", core


def _family_name(rnd: Dice, pl: bool) -> str:
    """The surname a family firm is named after (the masculine form, as registers usually show it)."""
    return rnd.pick(PL_SURNAMES) if pl else rnd.pick(CZ_SURNAMES)[0]


# --- places ---------------------------------------------------------------------------------

# (city, postal-code prefixes, landline area code, weight)
PL_CITIES = (("Warszawa", ("00", "01", "02", "03", "04"), "22", 18), ("Kraków", ("30", "31"), "12", 9),
             ("Łódź", ("90", "91", "93"), "42", 6), ("Wrocław", ("50", "51", "53"), "71", 7),
             ("Poznań", ("60", "61"), "61", 6), ("Gdańsk", ("80",), "58", 5), ("Szczecin", ("70", "71"), "91", 4),
             ("Bydgoszcz", ("85",), "52", 3), ("Lublin", ("20",), "81", 3), ("Katowice", ("40",), "32", 4),
             ("Białystok", ("15",), "85", 2), ("Gdynia", ("81",), "58", 2), ("Częstochowa", ("42",), "34", 2),
             ("Radom", ("26",), "48", 2), ("Toruń", ("87",), "56", 2), ("Rzeszów", ("35",), "17", 2),
             ("Kielce", ("25",), "41", 2), ("Olsztyn", ("10",), "89", 2), ("Opole", ("45",), "77", 1),
             ("Zielona Góra", ("65",), "68", 1), ("Nowy Sącz", ("33",), "18", 1), ("Płock", ("09",), "24", 1),
             ("Gliwice", ("44",), "32", 2), ("Bielsko-Biała", ("43",), "33", 2), ("Tarnów", ("33",), "14", 1))
CZ_CITIES = (("Praha", ("110 00", "120 00", "130 00", "140 00", "150 00", "160 00", "170 00", "190 00"), "2", 20),
             ("Brno", ("602 00", "612 00", "615 00", "616 00", "625 00"), "54", 9),
             ("Ostrava", ("702 00", "709 00", "710 00"), "59", 6), ("Plzeň", ("301 00", "312 00"), "37", 4),
             ("Liberec", ("460 01", "460 07"), "48", 2), ("Olomouc", ("779 00",), "58", 3),
             ("České Budějovice", ("370 01", "370 05"), "38", 2), ("Hradec Králové", ("500 02", "500 03"), "49", 2),
             ("Ústí nad Labem", ("400 01", "400 11"), "47", 2), ("Pardubice", ("530 02", "530 03"), "46", 2),
             ("Zlín", ("760 01",), "57", 2), ("Jihlava", ("586 01",), "56", 1), ("Karlovy Vary", ("360 01",), "35", 1))
PL_STREETS = ("ul. Polna", "ul. Leśna", "ul. Słoneczna", "ul. Krótka", "ul. Szkolna", "ul. Ogrodowa", "ul. Lipowa",
              "ul. Łąkowa", "ul. Brzozowa", "ul. Kwiatowa", "ul. Przemysłowa", "ul. Kościuszki", "ul. Mickiewicza",
              "ul. Sienkiewicza", "ul. Piłsudskiego", "al. Jana Pawła II", "ul. Fabryczna", "ul. Kolejowa",
              "ul. Długa", "ul. Zielona", "ul. Magazynowa", "ul. Składowa", "ul. Warszawska", "ul. Krakowska")
CZ_STREETS = ("Hlavní", "Nádražní", "Školní", "Husova", "Masarykova", "Palackého", "Komenského", "Jiráskova",
              "Tyršova", "Zahradní", "Průmyslová", "Na Příkopě", "Vinohradská", "Sokolská", "Polní", "Lidická")
PL_MOBILE = ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")
CZ_MOBILE = ("601", "602", "603", "604", "605", "606", "607", "608", "72", "73", "77", "79")


@dataclass(frozen=True)
class Place:
    address: str
    postal_code: str
    city: str
    area: str  # landline area code


def _pick_city(rnd: Dice, cities: tuple[tuple[str, tuple[str, ...], str, int], ...]
               ) -> tuple[str, tuple[str, ...], str]:
    total = sum(c[3] for c in cities)
    pick = rnd.randrange(total)
    for city, codes, area, weight in cities:
        if pick < weight:
            return city, codes, area
        pick -= weight
    return cities[0][:3]  # pragma: no cover


def place(rnd: Dice, country: str) -> Place:
    if country == "CZ":
        city, codes, area = _pick_city(rnd, CZ_CITIES)
        street = rnd.pick(CZ_STREETS)
        return Place(f"{street} {rnd.randint(100, 2999)}/{rnd.randint(1, 60)}", rnd.pick(codes),
                     city, area)
    city, prefixes, area = _pick_city(rnd, PL_CITIES)
    street = rnd.pick(PL_STREETS)
    number = f"{rnd.randint(1, 180)}" + (f"/{rnd.randint(1, 40)}" if rnd.random() < 0.3 else "")
    return Place(f"{street} {number}", f"{rnd.pick(prefixes)}-{rnd.randint(1, 999):03d}",
                 city, area)


def phone(rnd: Dice, country: str, area: str, mobile: bool) -> str:
    """A phone number in E.164, as the contractor service keeps them."""
    if country == "CZ":
        head = rnd.pick(CZ_MOBILE) if mobile else area
        return "+420" + head + "".join(str(rnd.below(10)) for _ in range(9 - len(head)))
    head = rnd.pick(PL_MOBILE) if mobile else area
    return "+48" + head + "".join(str(rnd.below(10)) for _ in range(9 - len(head)))


# --- identifiers ----------------------------------------------------------------------------

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
REGON_WEIGHTS = (8, 9, 2, 3, 4, 5, 6, 7)


def pl_nip(rnd: Dice) -> str:
    """A Polish NIP with a correct check digit (the first three digits name a tax office)."""
    while True:
        body = f"{rnd.randint(101, 999)}{rnd.randrange(1_000_000):06d}"
        check = sum(w * int(d) for w, d in zip(NIP_WEIGHTS, body, strict=True)) % 11
        if check != 10:
            return body + str(check)


def pl_regon(rnd: Dice) -> str:
    body = f"{rnd.randint(1, 99):02d}{rnd.randrange(1_000_000):06d}"
    return body + str(sum(w * int(d) for w, d in zip(REGON_WEIGHTS, body, strict=True)) % 11 % 10)


def cz_ico(rnd: Dice) -> str:
    """A Czech IČO of a legal entity: eight digits, mod-11 check digit, not starting with 9."""
    body = f"{rnd.randint(1, 8)}{rnd.randrange(1_000_000):06d}"
    check = (11 - sum((8 - i) * int(d) for i, d in enumerate(body))) % 11
    return body + str((check or 1) % 10)


PL_BANKS = ("10500002", "11400000", "11600006", "10600018", "10901014", "10201026", "12400001", "10202892")
CZ_BANKS = ("0100", "0300", "0800", "2010", "0600", "5500")
CZ_ACCOUNT_WEIGHTS = (6, 3, 7, 9, 10, 5, 8, 4, 2, 1)


def iban(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def pl_iban(rnd: Dice) -> str:
    return iban("PL", rnd.pick(PL_BANKS) + f"{rnd.randrange(10**16):016d}")


def cz_iban(rnd: Dice) -> str:
    """Czech account numbers weigh to 0 mod 11; the last digit has weight 1, so it is solved for."""
    while True:
        body = f"{rnd.randrange(10**9):09d}"
        rest = sum(w * int(d) for w, d in zip(CZ_ACCOUNT_WEIGHTS, body, strict=False)) % 11
        last = (11 - rest) % 11
        if last < 10:
            return iban("CZ", rnd.pick(CZ_BANKS) + "000000" + body + str(last))


def slug(text: str) -> str:
    """ASCII, lower case, dashes: "Hurtownia Budowlana Wójcik" → "hurtownia-budowlana-wojcik"."""
    plain = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    out: list[str] = []
    for ch in plain.encode("ascii", "ignore").decode().lower():
        if ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


# E-mail domains under the reserved .example top-level domain (RFC 2606): nothing leaves the demo by mistake.
MAIL_TLD = "example"
FIRM_MAILBOXES = {"pl": ("biuro", "ksiegowosc", "faktury", "kontakt"), "cs": ("info", "fakturace", "ucetni"),
                  "en": ("accounts", "finance", "office")}

# --- texts -----------------------------------------------------------------------------------

NOTES = {
    "pl": ("Klient prosi o przesłanie duplikatu faktury.", "Wysłano ponaglenie e-mailem, brak odpowiedzi.",
           "Księgowa potwierdziła otrzymanie faktury, płatność w najbliższym cyklu przelewów.",
           "Faktura zagubiona po stronie klienta, wysłano ponownie PDF.",
           "Przelew zlecony według klienta, czekamy na wpływ.",
           "Właściciel na urlopie do przyszłego tygodnia, nikt inny nie zatwierdza przelewów.",
           "Klient przechodzi zmianę systemu księgowego, prosi o cierpliwość."),
    "cs": ("Klient žádá o zaslání kopie faktury.", "Odeslána upomínka e-mailem, bez odpovědi.",
           "Účetní potvrdila přijetí faktury, platba v příštím platebním běhu.",
           "Faktura se u klienta ztratila, PDF posláno znovu.", "Platba podle klienta odeslána, čekáme na připsání.",
           "Jednatel je do příštího týdne na dovolené, platby nikdo jiný neschvaluje."),
}
DISPUTE_NOTES = {
    "pl": ("Klient kwestionuje fakturę: brak części towaru w dostawie, czekamy na protokół.",
           "Reklamacja jakości, sprawa przekazana do działu sprzedaży."),
    "cs": ("Klient rozporuje fakturu: část dodávky chyběla, čekáme na protokol.",
           "Reklamace kvality, předáno obchodnímu oddělení."),
}
CONTRACTOR_NOTES = {
    "pl": ("Preferuje kontakt telefoniczny przed południem.", "Faktury wysyłać tylko na adres księgowości.",
           "Nowy klient z polecenia, pierwsze zamówienia na przedpłatę."),
    "cs": ("Preferuje telefonický kontakt dopoledne.", "Faktury posílat jen na adresu účtárny.",
           "Nový klient na doporučení, první objednávky za zálohu."),
}
CHRONIC_NOTE = {"pl": "Płaci z opóźnieniem; skuteczny jest tylko telefon do właściciela.",
                "cs": "Platí pozdě; zabírá jen telefonát majiteli."}
TASKS = {
    "call_again": {"pl": "Zadzwonić ponownie w sprawie zaległej płatności", "cs": "Znovu zavolat kvůli dlužné platbě"},
    "check_promise": {"pl": "Sprawdzić wpływ obiecanej wpłaty", "cs": "Ověřit připsání slíbené platby"},
    "plan": {"pl": "Przygotować harmonogram spłat", "cs": "Připravit splátkový kalendář"},
    "demand": {"pl": "Wysłać wezwanie do zapłaty", "cs": "Odeslat výzvu k úhradě"},
    "balance": {"pl": "Potwierdzić saldo z księgowością klienta", "cs": "Odsouhlasit saldo s účetní klienta"},
}
CALL_NOTES = {
    "reached": {"pl": "Rozmowa z księgową, faktura w obiegu do akceptacji.",
                "cs": "Mluvila jsem s účetní, faktura je ve schvalování."},
    "no-answer": {"pl": "Nie odbiera.", "cs": "Nebere telefon."},
    "promised": {"pl": "Księgowa obiecała przelew.", "cs": "Účetní slíbila platbu."},
    "disputed": {"pl": "Klient kwestionuje fakturę.", "cs": "Klient fakturu rozporuje."},
    "plan-requested": {"pl": "Prosi o rozłożenie płatności na raty.", "cs": "Žádá o splátkový kalendář."},
}
PAYMENT_TITLES = {"pl": ("Zapłata za fakturę {}", "FV {}", "Przelew za {}", "Płatność {}"),
                  "cs": ("Úhrada faktury {}", "Faktura {}", "Platba {}"),
                  "en": ("Invoice {}", "Payment for invoice {}")}
ADVANCE_TITLES = {"pl": "Zaliczka na poczet zamówienia", "cs": "Záloha dle smlouvy", "en": "Advance payment"}
