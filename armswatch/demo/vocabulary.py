"""Word lists for the demo catalog: nouns, countries, shipping, conditions, in five languages.

Every per-language tuple is ordered like `LANGUAGES`. All words are generic vocabulary.
"""

from __future__ import annotations

LANGUAGES = ("en", "de", "es", "fr", "ru")

# country names as the sites write them (en, de, es, fr, ru); all resolve to the ISO code
COUNTRIES: dict[str, tuple[str, str, str, str, str]] = {
    "DE": ("Germany", "Deutschland", "Alemania", "Allemagne", "Германия"),
    "NL": ("Netherlands", "Niederlande", "Países Bajos", "Pays-Bas", "Нидерланды"),
    "US": ("USA", "USA", "Estados Unidos", "États-Unis", "США"),
    "PL": ("Poland", "Polen", "Polonia", "Pologne", "Польша"),
    "CZ": ("Czechia", "Tschechien", "Chequia", "Tchéquie", "Чехия"),
    "RS": ("Serbia", "Serbien", "Serbia", "Serbie", "Сербия"),
    "ES": ("Spain", "Spanien", "España", "Espagne", "Испания"),
    "FR": ("France", "Frankreich", "Francia", "France", "Франция"),
    "BE": ("Belgium", "Belgien", "Bélgica", "Belgique", "Бельгия"),
    "AT": ("Austria", "Österreich", "Austria", "Autriche", "Австрия"),
    "RU": ("Russia", "Russland", "Rusia", "Russie", "Россия"),
    "GB": ("United Kingdom", "Großbritannien", "Reino Unido", "Royaume-Uni", "Великобритания"),
    "CA": ("Canada", "Kanada", "Canadá", "Canada", "Канада"),
    "CH": ("Switzerland", "Schweiz", "Suiza", "Suisse", "Швейцария"),
    "PT": ("Portugal", "Portugal", "Portugal", "Portugal", "Португалия"),
}
# the market sometimes writes the United States out in full
US_LONG = "United States"

EU_MEMBERS = tuple(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
EUROPE = (*EU_MEMBERS, "GB", "CH", "NO", "IS", "LI")
WORLDWIDE = "WW"
REGION_NAMES: dict[str, tuple[str, str, str, str, str]] = {
    "WW": ("Worldwide", "Weltweit", "Todo el mundo", "Monde entier", "Весь мир"),
    "EUROPE": ("Europe", "Europa", "Europa", "Europe", "Европа"),
    "EU": ("EU", "EU", "Europa", "Europe", "Европа"),
}
REGION_CODES: dict[str, tuple[str, ...]] = {"WW": (WORLDWIDE,), "EUROPE": EUROPE, "EU": EU_MEMBERS}

# ships-to choices as lists of tokens (country codes or REGION_NAMES keys)
SHIPS_TO_CHOICES: tuple[tuple[str, ...], ...] = (
    ("WW",), ("WW",), ("EU",), ("EUROPE",), ("DE", "AT"), ("DE",), ("DE", "AT", "CH"),
    ("NL", "BE", "DE"), ("US",), ("US", "CA"), ("GB",), ("FR", "BE"), ("ES", "PT"),
    ("PL", "CZ"), ("RU",), ("HOME",),
)  # fmt: skip
# choices that name Germany outright, used for part of the Glock offers
SHIPS_TO_GERMANY: tuple[tuple[str, ...], ...] = (("DE",), ("DE", "AT"), ("DE", "AT", "CH"))

SHIPPING: dict[str, tuple[str, ...]] = {
    "en": ("Stealth (vacuum sealed)", "Tracked express", "Standard post (7-14 days)",
           "EMS international", "Dead drop (local)", "Registered mail"),
    "de": ("DHL Paket (versichert)", "Einschreiben", "Stealth-Versand", "Hermes",
           "Packstation", "DPD Express"),
    "es": ("Correos certificado", "Envío discreto", "SEUR 24h", "Envío internacional"),
    "fr": ("Colissimo suivi", "Chronopost", "Envoi discret", "Mondial Relay"),
    "ru": ("Почта России", "СДЭК", "Закладка", "EMS"),
}  # fmt: skip
# methods no private seller of a sofa would offer
DISCREET_METHODS = frozenset(
    {"Stealth (vacuum sealed)", "Dead drop (local)", "Stealth-Versand", "Envío discreto",
     "Envoi discret", "Закладка"}
)  # fmt: skip
PICKUP = {
    "en": "Collection only",
    "de": "Nur Abholung",
    "es": "Recogida en mano",
    "fr": "Remise en main propre",
    "ru": "Самовывоз",
}

CONDITIONS: dict[str, tuple[str, ...]] = {
    "en": ("new", "used", "like new", "mint", "good condition"),
    "de": ("neu", "gebraucht", "wie neu", "neuwertig", "guter Zustand"),
    "es": ("nuevo", "usado", "como nuevo", "en buen estado"),
    "fr": ("neuf", "occasion", "comme neuf", "très bon état"),
    "ru": ("новый", "б/у", "как новый", "в хорошем состоянии"),
}

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
}  # fmt: skip

# home countries of sellers who write in each language
HOME_COUNTRIES: dict[str, tuple[str, ...]] = {
    "en": ("US", "GB", "NL", "DE", "CA", "CZ", "RS", "PL"),
    "de": ("DE", "DE", "AT", "CH"),
    "es": ("ES", "ES", "US"),
    "fr": ("FR", "FR", "BE", "CH"),
    "ru": ("RU", "RU", "RS", "PL"),
}

HANDLE_FIRST = (
    "Iron", "Silent", "Black", "Nordic", "Steel", "Ghost", "Crimson", "Lucky", "Frost", "Red",
    "Dark", "Green", "Quiet", "Rapid", "Atlas", "Raven", "Wolf", "Delta", "Vortex", "Shadow",
    "Copper", "Alpine", "Night", "Polar", "Cobalt", "Amber", "Granite", "Echo", "Titan", "Velvet",
)  # fmt: skip
HANDLE_SECOND = (
    "Armory", "Supply", "Trader", "Fox", "Bear", "Works", "Depot", "Outlet", "Store", "Lab",
    "Garden", "Express", "Market", "Hub", "Factory", "Connect", "Dealer", "Point", "Shop", "Crew",
)  # fmt: skip
PRIVATE_NAMES = (
    "waldi", "sonnenschein", "bastler", "kiez", "nordlicht", "lena", "jonas", "marie", "tom",
    "paco", "lucia", "marcel", "chloe", "pierre", "ivan", "olga", "dima", "sasha", "bibi", "opa",
    "hobbyjaeger", "radler", "angler", "gamer", "moebelfan", "buchwurm", "handwerker", "camper",
)  # fmt: skip

DIGITAL_DELIVERY = {
    "en": "Instant digital delivery",
    "de": "Digitale Lieferung",
    "es": "Entrega digital",
    "fr": "Livraison numérique",
    "ru": "Цифровая доставка",
}
FORUM_PREFIX = {"en": "[WTS]", "de": "[VK]", "es": "[VENDO]", "fr": "[VENDS]", "ru": "[ПРОДАМ]"}
PAYMENT_NOTE = {
    "en": "Bitcoin also accepted: {btc}",
    "de": "Zahlung auch per Bitcoin möglich: {btc}",
    "es": "También acepto bitcoin: {btc}",
    "fr": "Paiement en bitcoin possible : {btc}",
    "ru": "Принимаю также биткоин: {btc}",
}
