"""The data catalogue: every kind of record Samen keeps about people, what it holds, why, on what legal basis, for
how long and who sees it. The privacy page (``/privacy``, ``templates/public/privacy.html``) is rendered from it.

- Retention periods are never written here: each names the setting the retention job reads
  (``SAMEN_RETAIN_*``, see ``webapp.services.retention``), so the page says what the job does.
- Each kind names the database tables it covers; ``tests/webapp/test_privacy.py`` fails for a table that no kind
  covers and that is not listed in ``TABLES_WITHOUT_PERSONAL_DATA``.
- Roles are shown with their one label (``webapp.labels``), the legal basis is a ``LegalBasis``.

Texts are lazy (translated when shown); nothing here needs a request.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString, ngettext
from flask_babel import lazy_gettext as _l

from webapp.enums import LegalBasis, RequestKind, Role

#: The controller when no organisation in the database is marked as such (``Organisation.is_controller``).
DEFAULT_CONTROLLER = "Welzijn Rijswijk"
COMPLAINT_URL = "https://www.autoriteitpersoonsgegevens.nl"

#: Tables that hold no personal data: programme settings, the reason lists admins manage, partner organisations
#: (names of organisations, not of people).
TABLES_WITHOUT_PERSONAL_DATA: frozenset[str] = frozenset(
    {"programmes", "rejection_reasons", "end_reasons", "organisations"}
)


class Unit(enum.StrEnum):
    MONTHS = "months"
    DAYS = "days"


def period_text(number: int, unit: Unit) -> str:
    """A period as people say it: '3 maanden', '2 jaar', '14 dagen'."""
    if unit is Unit.DAYS:
        return str(ngettext("%(num)d dag", "%(num)d dagen", number))
    if number and number % 12 == 0:
        return str(ngettext("%(num)d jaar", "%(num)d jaar", number // 12))
    return str(ngettext("%(num)d maand", "%(num)d maanden", number))


@dataclass(frozen=True)
class Period:
    """A period read from a setting, shown where the text says ``%(placeholder)s``."""

    placeholder: str
    setting: str
    unit: Unit = Unit.MONTHS


@dataclass(frozen=True)
class Retention:
    """One sentence on how long a record is kept, with the periods it names."""

    text: LazyString
    periods: tuple[Period, ...] = ()

    def describe(self, config: Mapping[str, Any]) -> str:
        if not self.periods:
            return str(self.text)
        return str(self.text) % {p.placeholder: period_text(int(config[p.setting]), p.unit) for p in self.periods}


@dataclass(frozen=True)
class Audience:
    """A role that sees a record, and what of it."""

    role: Role
    sees: LazyString


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: what is stored, why, on what basis, for how long, who sees it, and in which tables."""

    key: str  # the anchor on the page
    title: LazyString
    fields: tuple[LazyString, ...]
    purpose: LazyString
    basis: LegalBasis
    retention: tuple[Retention, ...]
    audiences: tuple[Audience, ...]
    tables: frozenset[str]
    basis_note: LazyString | None = None
    sensitive: LazyString | None = None  # why part of it is special-category data, when it is
    others: LazyString | None = None  # who else sees it, outside the roles

    def retention_texts(self, config: Mapping[str, Any]) -> list[str]:
        return [retention.describe(config) for retention in self.retention]


_VOLUNTEER_PERIOD = Period("period", "SAMEN_RETAIN_VOLUNTEER_MONTHS")
_VOLUNTEER_RETENTION = Retention(
    _l(
        "Tot %(period)s nadat je gestopt bent als vrijwilliger. Bleek in het intakegesprek dat het "
        "vrijwilligerswerk niet bij je past, dan tot %(period)s na dat gesprek."
    ),
    (_VOLUNTEER_PERIOD,),
)
_RESIDENT_RETENTION = Retention(
    _l(
        "Tot %(period)s na het laatste contact: nadat je aanmelding is afgesloten of je laatste koppeling is "
        "beëindigd, wat het laatst was."
    ),
    (Period("period", "SAMEN_RETAIN_RESIDENT_MONTHS"),),
)
_REFERRAL_RETENTION = Retention(
    _l(
        "Ben je verwezen en hadden we nog geen intakegesprek met je, dan tot %(period)s na de laatste keer dat we "
        "contact met je probeerden te krijgen."
    ),
    (Period("period", "SAMEN_RETAIN_REFERRAL_MONTHS"),),
)
_WITH_THE_PERSON = Retention(
    _l(
        "Zo lang als de gegevens van de bewoner en de vrijwilliger (zie hierboven). Daarna wissen we de "
        "aantekeningen en de plaats van de kennismaking; wat overblijft is alleen nog voor de cijfers."
    )
)

_COORDINATOR_ALL = Audience(Role.COORDINATOR, _l("alles"))
_ADMIN_ALL = Audience(Role.ADMIN, _l("alles"))

CATALOGUE: tuple[RecordKind, ...] = (
    RecordKind(
        key="vrijwilliger-aanmelding",
        title=_l("Je aanmelding als vrijwilliger"),
        fields=(
            _l("je naam, e-mailadres en telefoonnummer"),
            _l("je geboortedatum en je postcode"),
            _l("je geslacht, als je dat invult"),
            _l(
                "wat je wilt doen, je interesses, wanneer je kunt, je talen, hoe ver je wilt reizen en hoeveel "
                "mensen je wilt helpen"
            ),
            _l("waarom je vrijwilliger wilt worden"),
            _l("of je je zelf weleens eenzaam voelt, als je dat wilt zeggen"),
        ),
        purpose=_l(
            "Om contact met je op te nemen, een intakegesprek met je te plannen en een bewoner te zoeken die bij je "
            "past."
        ),
        basis=LegalBasis.CONSENT,
        basis_note=_l("Je geeft toestemming als je je aanmeldt."),
        sensitive=_l(
            "Of je je zelf eenzaam voelt, is een gevoelig gegeven. Je hoeft het niet in te vullen. Ook als je je "
            "eenzaam voelt, ben je welkom als vrijwilliger."
        ),
        retention=(_VOLUNTEER_RETENTION,),
        audiences=(_COORDINATOR_ALL, _ADMIN_ALL),
        tables=frozenset({"volunteers", "volunteer_programmes"}),
    ),
    RecordKind(
        key="vrijwilliger-screening",
        title=_l("Het intakegesprek met vrijwilligers en de VOG"),
        fields=(
            _l("de datum en de uitkomst van het intakegesprek, en de aantekeningen van de coördinator"),
            _l(
                "of je een VOG (Verklaring Omtrent het Gedrag) hebt: wanneer die is aangevraagd en afgegeven, en wie "
                "hem heeft bekeken. We bewaren nooit de VOG zelf."
            ),
            _l("hoeveel mensen je helpt en bij welke programma's"),
            _l("wanneer en waarom je gestopt bent"),
        ),
        purpose=_l(
            "Om bewoners te beschermen: we koppelen alleen vrijwilligers die we hebben gesproken en die een VOG "
            "hebben als het programma dat vraagt."
        ),
        basis=LegalBasis.LEGITIMATE_INTEREST,
        basis_note=_l("De veiligheid van bewoners, die vaak kwetsbaar zijn."),
        retention=(_VOLUNTEER_RETENTION,),
        audiences=(_COORDINATOR_ALL, _ADMIN_ALL),
        tables=frozenset({"volunteers"}),
    ),
    RecordKind(
        key="bewoner",
        title=_l("Het dossier van een bewoner"),
        fields=(
            _l("je naam, telefoonnummer en e-mailadres"),
            _l("je postcode; je adres alleen als iemand bij je thuis komt"),
            _l("je geboortedatum, alleen als een activiteit een leeftijdsgrens heeft"),
            _l("je geslacht, en of je liever een maatje hebt van een bepaald geslacht"),
            _l("wat je wilt doen, je interesses, wanneer je kunt, je talen en hoe ver je wilt reizen"),
            _l("de datum van het intakegesprek en de aantekeningen van de coördinator"),
            _l("sinds wanneer je wacht, en wanneer en waarom je aanmelding is afgesloten"),
        ),
        purpose=_l("Om samen met jou een maatje te zoeken dat bij je past, en om contact met je te houden."),
        basis=LegalBasis.CONSENT,
        basis_note=_l("Je geeft toestemming aan de coördinator, of aan de medewerker die je verwijst."),
        sensitive=_l(
            "De aantekeningen kunnen gaan over je gezondheid of over hoe eenzaam je je voelt. Dat zijn gevoelige "
            "gegevens. We schrijven ze alleen op met je uitdrukkelijke toestemming."
        ),
        retention=(_RESIDENT_RETENTION, _REFERRAL_RETENTION),
        audiences=(
            _COORDINATOR_ALL,
            _ADMIN_ALL,
            Audience(
                Role.REFERRER,
                _l(
                    "alleen als de eigen organisatie je verwees: de contactgegevens die de verwijzer zelf invulde. "
                    "Nooit de aantekeningen."
                ),
            ),
        ),
        tables=frozenset({"residents"}),
    ),
    RecordKind(
        key="verwijzing",
        title=_l("Een verwijzing"),
        fields=(
            _l("wie je verwees (naam van de medewerker en de organisatie) en wanneer"),
            _l("de reden van de verwijzing"),
            _l("hoe ver de verwijzing is (de status) en sinds wanneer"),
            _l("of de verwijzing is ingetrokken"),
        ),
        purpose=_l(
            "Zodat de coördinator weet waarom je bent aangemeld, en de verwijzer kan zien of er iets met de "
            "verwijzing gebeurt."
        ),
        basis=LegalBasis.CONSENT,
        basis_note=_l("Een verwijzing mag alleen als je het ermee eens bent."),
        sensitive=_l(
            "De reden van de verwijzing is een gevoelig gegeven. Alleen coördinatoren en beheerders lezen hem, "
            "niet de andere partners."
        ),
        retention=(_REFERRAL_RETENTION, _RESIDENT_RETENTION),
        audiences=(
            _COORDINATOR_ALL,
            _ADMIN_ALL,
            Audience(
                Role.REFERRER,
                _l(
                    "de verwijzingen van de eigen organisatie, met alleen de status: ontvangen, in behandeling, "
                    "gekoppeld of afgesloten. Niet de aantekeningen en niet wie je maatje is."
                ),
            ),
        ),
        tables=frozenset({"referrals"}),
    ),
    RecordKind(
        key="toestemming",
        title=_l("Je toestemming"),
        fields=(
            _l("waarvoor je toestemming gaf, en welke versie van de tekst je kreeg"),
            _l("wie de toestemming gaf: jij, of je wettelijk vertegenwoordiger als je jonger bent dan 16"),
            _l("hoe: mondeling, schriftelijk of online, en wie het opschreef en wanneer"),
            _l("of en wanneer je de toestemming weer introk"),
        ),
        purpose=_l("Om te kunnen laten zien dat je toestemming gaf, en om meteen te stoppen als je die intrekt."),
        basis=LegalBasis.LEGAL_OBLIGATION,
        basis_note=_l("De AVG vraagt dat we kunnen laten zien dat je toestemming gaf."),
        retention=(
            Retention(
                _l(
                    "Zo lang als de gegevens waarvoor je toestemming gaf. Wissen we die, dan blijft alleen staan dat "
                    "er toestemming was, zonder je naam."
                )
            ),
        ),
        audiences=(
            _COORDINATOR_ALL,
            _ADMIN_ALL,
            Audience(Role.REFERRER, _l("de toestemming voor de verwijzing, die de verwijzer zelf opschreef")),
        ),
        tables=frozenset({"consents"}),
    ),
    RecordKind(
        key="koppeling",
        title=_l("Voorstellen, koppelingen en contactmomenten"),
        fields=(
            _l(
                "voorstellen om een vrijwilliger en een bewoner te koppelen, met de redenen: de afstand, gedeelde "
                "interesses en momenten waarop jullie allebei kunnen"
            ),
            _l("de beslissing van de coördinator, en bij een afwijzing de reden"),
            _l("de kennismaking: datum, tijd en plaats"),
            _l("de koppeling: wanneer die begon en eindigde, en waarom"),
            _l("de contactmomenten met de coördinator: wanneer, met wie, hoe het gaat en een aantekening"),
        ),
        purpose=_l(
            "Om een goed maatje te vinden, de koppeling te begeleiden en te zien of het goed gaat. De computer doet "
            "een voorstel; een coördinator beslist altijd."
        ),
        basis=LegalBasis.CONSENT,
        basis_note=_l("Dezelfde toestemming als voor de intake en het koppelen."),
        retention=(_WITH_THE_PERSON,),
        audiences=(
            _COORDINATOR_ALL,
            _ADMIN_ALL,
            Audience(Role.REFERRER, _l("alleen of de bewoner gekoppeld is, nooit met wie")),
        ),
        tables=frozenset({"match_runs", "proposals", "run_waiting_residents", "matches", "match_events", "check_ins"}),
        others=_l(
            "De vrijwilliger en de bewoner krijgen van elkaar alleen wat nodig is om kennis te maken, zoals een "
            "voornaam en een manier om elkaar te bereiken."
        ),
    ),
    RecordKind(
        key="eenzaamheid",
        title=_l("De vragenlijst over eenzaamheid"),
        fields=(
            _l(
                "je antwoorden op de 11 uitspraken van de eenzaamheidsschaal van De Jong Gierveld, die ook de GGD "
                "gebruikt; een vraag die je niet wilde of kon beantwoorden, blijft leeg"
            ),
            _l("de scores die daaruit volgen, en de versie van de vragenlijst"),
            _l(
                "wanneer je de vragenlijst invulde (bij de intake, bij een contactmoment of tussendoor) en hoe oud je "
                "toen was"
            ),
            _l("of je hem samen met een medewerker invulde of zelf, via een link die één keer werkt"),
        ),
        purpose=_l(
            "Om te zien of Samen helpt tegen eenzaamheid. We kijken naar de cijfers van alle deelnemers samen; het is "
            "geen test en geen diagnose. Bewoners en vrijwilligers die zich zelf eenzaam voelen, vullen de vragenlijst "
            "alleen in als ze dat willen."
        ),
        basis=LegalBasis.CONSENT,
        basis_note=_l("Je geeft hier apart toestemming voor. Zonder die toestemming meten we niets."),
        sensitive=_l(
            "Hoe eenzaam je je voelt, is een gevoelig gegeven. Je mag elke vraag overslaan, en je kunt je toestemming "
            "altijd intrekken: dan meten we niet meer."
        ),
        retention=(
            Retention(
                _l(
                    "Zo lang als je dossier als bewoner of je aanmelding als vrijwilliger (zie hierboven). Wissen we "
                    "die, dan blijven je antwoorden en scores bewaard zonder je naam, alleen voor de cijfers over de "
                    "groep. "
                    "Een link om de vragenlijst zelf in te vullen werkt %(days)s; een link die je niet gebruikte, "
                    "wissen we dan ook."
                ),
                (Period("days", "SAMEN_MEASUREMENT_LINK_DAYS", Unit.DAYS),),
            ),
        ),
        audiences=(
            _COORDINATOR_ALL,
            _ADMIN_ALL,
            Audience(Role.REFERRER, _l("niets: een verwijzer ziet nooit een antwoord of een score")),
            Audience(
                Role.VIEWER,
                _l("alleen cijfers over groepen van minstens 5 mensen, nooit iets over één persoon"),
            ),
        ),
        tables=frozenset({"loneliness_measurements", "measurement_links"}),
    ),
    RecordKind(
        key="verzoek",
        title=_l("Je verzoeken over je gegevens"),
        fields=(
            _l("wat je vroeg (bijvoorbeeld inzage of wissen), wanneer en hoe je verzoek binnenkwam"),
            _l("wanneer we moeten antwoorden, wie het verzoek opschreef en wie het afhandelde"),
            _l("een aantekening van de coördinator"),
        ),
        purpose=_l("Om je verzoek op tijd af te handelen, en te kunnen laten zien dat we dat deden."),
        basis=LegalBasis.LEGAL_OBLIGATION,
        basis_note=_l("De AVG geeft je deze rechten, en wij moeten ze uitvoeren."),
        retention=(
            Retention(
                _l(
                    "Het verzoek blijft bewaard, zodat we kunnen laten zien dat we het afhandelden. Je naam staat er "
                    "niet in. Wissen we je gegevens, dan wissen we ook de aantekening."
                )
            ),
        ),
        audiences=(_COORDINATOR_ALL, _ADMIN_ALL),
        tables=frozenset({"subject_requests"}),
    ),
    RecordKind(
        key="medewerkers",
        title=_l("Accounts van medewerkers"),
        fields=(
            _l("naam, e-mailadres, organisatie en rol van de medewerker"),
            _l("het wachtwoord, alleen in een vorm waaruit niemand het kan terughalen"),
            _l("de gegevens voor inloggen in twee stappen, en wanneer de medewerker voor het laatst inlogde"),
        ),
        purpose=_l(
            "Zodat alleen medewerkers die dat mogen bij de gegevens kunnen, en ieder alleen wat bij het eigen werk "
            "hoort."
        ),
        basis=LegalBasis.LEGITIMATE_INTEREST,
        basis_note=_l("De gegevens in Samen goed beveiligen."),
        retention=(
            Retention(
                _l(
                    "Zolang de medewerker met Samen werkt. Daarna zet de beheerder het account uit; het blijft bestaan "
                    "omdat het logboek en de verwijzingen ernaar verwijzen. 'Ingelogd blijven' stopt na %(remember)s."
                ),
                (Period("remember", "SAMEN_REMEMBER_DAYS", Unit.DAYS),),
            ),
        ),
        audiences=(Audience(Role.ADMIN, _l("alle accounts, nooit de wachtwoorden")),),
        tables=frozenset({"users", "remember_tokens", "recovery_codes", "api_tokens"}),
    ),
    RecordKind(
        key="logboek",
        title=_l("Het logboek: wie wat deed"),
        fields=(
            _l("welke medewerker iets deed en wanneer"),
            _l("wat: bekijken, veranderen, downloaden of wissen van gegevens, en inloggen"),
            _l("over wie: een nummer, geen naam"),
            _l("welke gegevens veranderden, maar nooit wat erin stond"),
        ),
        purpose=_l(
            "Zodat Welzijn Rijswijk kan laten zien wie welke gegevens bekeek of veranderde, en misbruik kan ontdekken."
        ),
        basis=LegalBasis.LEGAL_OBLIGATION,
        basis_note=_l("De AVG vraagt dat we de gegevens beveiligen en kunnen laten zien hoe we ermee omgaan."),
        retention=(
            Retention(
                _l(
                    "Niemand kan het logboek veranderen of wissen. Er staan nummers in, geen namen: zijn je gegevens "
                    "gewist, dan is zo'n nummer niet meer aan jou te koppelen."
                )
            ),
        ),
        audiences=(Audience(Role.ADMIN, _l("het hele logboek")),),
        tables=frozenset({"audit_events"}),
    ),
    RecordKind(
        key="e-mail",
        title=_l("E-mails die Samen verstuurt"),
        fields=(
            _l("aan wie (het e-mailadres), het onderwerp en de tekst, en wanneer de e-mail is verstuurd"),
            _l("voor vrijwilligers: de bevestiging van je aanmelding"),
            _l(
                "voor verwijzers: een bericht als de status van een verwijzing verandert, met alleen de voornaam en "
                "de eerste letter van de achternaam van de bewoner, nooit de reden"
            ),
            _l("voor coördinatoren: een overzicht van het werk van de dag, met aantallen en zonder namen"),
        ),
        purpose=_l(
            "Om je te laten weten dat we je aanmelding hebben, en verwijzers en coördinatoren op de hoogte te houden. "
            "Zo raakt geen bericht kwijt."
        ),
        basis=LegalBasis.LEGITIMATE_INTEREST,
        basis_note=_l(
            "Een bericht aan de verwijzer sturen we alleen als de bewoner het goed vindt dat we de status delen."
        ),
        retention=(
            Retention(
                _l(
                    "Wissen we je gegevens, ook als de bewaartermijn voorbij is, dan wissen we ook de e-mails aan jou "
                    "en over jou."
                )
            ),
        ),
        audiences=(),
        others=_l("Alleen wie de e-mail krijgt, leest hem. In Samen kan alleen de technisch beheerder erbij."),
        tables=frozenset({"outbox"}),
    ),
    RecordKind(
        key="logregels",
        title=_l("Technische logregels"),
        fields=(
            _l(
                "wanneer welke pagina werd gevraagd, zonder wat je zocht of invulde, en het nummer van de medewerker "
                "die was ingelogd"
            ),
            _l("foutmeldingen, zonder persoonsgegevens"),
            _l(
                "je internetadres (IP-adres), alleen om te tellen hoe vaak iemand probeert in te loggen of een "
                "formulier verstuurt"
            ),
        ),
        purpose=_l("Om Samen veilig te houden, misbruik te stoppen en fouten op te lossen."),
        basis=LegalBasis.LEGITIMATE_INTEREST,
        basis_note=_l("Samen veilig en werkend houden."),
        retention=(
            Retention(
                _l(
                    "De telling per internetadres verdwijnt vanzelf als de tijd waarover we tellen voorbij is. De "
                    "logregels staan op de computer (server) waarop Samen draait; Welzijn Rijswijk bepaalt hoe lang "
                    "die ze bewaart."
                )
            ),
        ),
        audiences=(),
        others=_l("Alleen de technisch beheerder van Samen."),
        tables=frozenset(),
    ),
)

#: What each right means, in plain words (the labels of the rights are those of ``RequestKind``).
RIGHTS: dict[RequestKind, LazyString] = {
    RequestKind.ACCESS: _l("Je mag weten welke gegevens we van je hebben, en je krijgt een kopie."),
    RequestKind.RECTIFICATION: _l("Klopt er iets niet, dan verbeteren we het."),
    RequestKind.ERASURE: _l("Je mag vragen om je gegevens te wissen."),
    RequestKind.RESTRICTION: _l(
        "Je mag vragen dat we je gegevens even niet gebruiken, bijvoorbeeld terwijl we iets voor je uitzoeken. We "
        "koppelen je dan niet en sturen je geen e-mails."
    ),
    RequestKind.PORTABILITY: _l(
        "Je krijgt je gegevens in een bestand dat je kunt meenemen naar een andere organisatie."
    ),
    RequestKind.OBJECTION: _l("Je mag bezwaar maken tegen hoe we je gegevens gebruiken."),
}


def covered_tables() -> frozenset[str]:
    """Every table that some kind of record covers."""
    return frozenset().union(*(kind.tables for kind in CATALOGUE))
