"""One vocabulary: the one Dutch label of every enumeration member, and the badge kind it is shown with.

Templates show a status with the ``badge`` macro (``templates/_badge.html``), which reads ``label`` and
``badge_kind``; forms build their choices with ``choices_for``. The English texts come from the catalogue.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from webapp.enums import (
    Attention,
    AuditAction,
    AuditSubject,
    CheckInMethod,
    CheckInState,
    CheckInTiming,
    CheckInVerdict,
    CheckInWith,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    DjgAnswer,
    IntakeOutcome,
    LegalBasis,
    LonelinessCategory,
    MatchEventKind,
    MatchStatus,
    MeasurementMoment,
    MeasurementSource,
    OrganisationKind,
    ProposalStatus,
    ReferralStatus,
    RequestKind,
    RequestStatus,
    ResidentSource,
    ResidentStatus,
    Role,
    RunFailure,
    RunStage,
    RunStatus,
    SubjectKind,
    VogStatus,
)

# Keyed by class first: members of two StrEnums with the same value are equal (and hash alike) in Python.
_LABELS: dict[type[enum.Enum], Mapping[Any, Any]] = {
    ResidentStatus: {
        ResidentStatus.WACHTEND: _l("wachtend"),
        ResidentStatus.KENNISMAKING: _l("kennismaking"),
        ResidentStatus.GEKOPPELD: _l("gekoppeld"),
        ResidentStatus.AFGESLOTEN: _l("afgesloten"),
    },
    ProposalStatus: {
        ProposalStatus.OPEN: _l("open"),
        ProposalStatus.GOEDGEKEURD: _l("goedgekeurd"),
        ProposalStatus.AFGEWEZEN: _l("afgewezen"),
        ProposalStatus.VERVALLEN: _l("vervallen"),
    },
    MatchStatus: {
        MatchStatus.KENNISMAKING: _l("kennismaking"),
        MatchStatus.ACTIEF: _l("actief"),
        MatchStatus.BEEINDIGD: _l("beëindigd"),
    },
    MatchEventKind: {
        MatchEventKind.GOEDGEKEURD: _l("Voorstel goedgekeurd"),
        MatchEventKind.ZELF_GEKOZEN: _l("Maatje zelf gekozen"),
        MatchEventKind.KENNISMAKING_GEPLAND: _l("Kennismaking gepland"),
        MatchEventKind.KENNISMAKING_VERZET: _l("Kennismaking verzet"),
        MatchEventKind.GESTART: _l("Beiden zeiden ja: de koppeling is actief"),
        MatchEventKind.GEEN_KLIK: _l("Geen klik bij kennismaking"),
        MatchEventKind.KENNISMAKING_GEANNULEERD: _l("Kennismaking geannuleerd"),
        MatchEventKind.CONTACTMOMENT: _l("Contactmoment"),
        MatchEventKind.BEEINDIGD: _l("Koppeling beëindigd"),
    },
    CheckInWith: {
        CheckInWith.BEWONER: _l("de bewoner"),
        CheckInWith.VRIJWILLIGER: _l("de vrijwilliger"),
        CheckInWith.BEIDEN: _l("beiden"),
    },
    CheckInMethod: {
        CheckInMethod.TELEFOON: _l("telefoon"),
        CheckInMethod.BEZOEK: _l("bezoek"),
        CheckInMethod.EMAIL: _l("e-mail"),
    },
    CheckInVerdict: {
        CheckInVerdict.GOED: _l("gaat goed"),
        CheckInVerdict.ZORGEN: _l("zorgen"),
        CheckInVerdict.STOPPEN: _l("wil stoppen"),
    },
    Attention: {
        Attention.CHECK_IN_OVERDUE: _l("contactmoment te laat"),
        Attention.RECORD_OUTCOME: _l("uitkomst kennismaking vastleggen"),
        Attention.PLAN_INTRODUCTION: _l("kennismaking plannen"),
        Attention.ENDING_TALK: _l("eindgesprek: maximale duur bijna bereikt"),
        Attention.CHECK_IN_DUE: _l("contactmoment nu"),
        Attention.INTRODUCTION_PLANNED: _l("kennismaking gepland"),
        Attention.ON_TRACK: _l("loopt"),
        Attention.ENDED: _l("beëindigd"),
    },
    CheckInState: {
        CheckInState.NOT_YET: _l("contactmoment gepland"),
        CheckInState.DUE: _l("contactmoment nu"),
        CheckInState.OVERDUE: _l("contactmoment te laat"),
        CheckInState.ALL_DONE: _l("alle contactmomenten gehad"),
    },
    ReferralStatus: {
        ReferralStatus.ONTVANGEN: _l("ontvangen"),
        ReferralStatus.IN_BEHANDELING: _l("in behandeling"),
        ReferralStatus.GEKOPPELD: _l("gekoppeld"),
        ReferralStatus.AFGESLOTEN: _l("afgesloten"),
    },
    RunStatus: {
        RunStatus.WACHTRIJ: _l("in de wachtrij"),
        RunStatus.BEZIG: _l("bezig"),
        RunStatus.KLAAR: _l("klaar"),
        RunStatus.MISLUKT: _l("mislukt"),
    },
    RunStage: {
        RunStage.LADEN: _l("gegevens laden"),
        RunStage.SCOREN: _l("paren beoordelen"),
        RunStage.OPLOSSEN: _l("beste verdeling zoeken"),
        RunStage.CERTIFICAAT: _l("controleren dat niets beters kan"),
        RunStage.WERVING: _l("nieuwe vrijwilligers doorrekenen"),
        RunStage.OPSLAAN: _l("voorstellen opslaan"),
    },
    RunFailure: {
        RunFailure.ONJUISTE_GEGEVENS: _l("De gegevens zijn onjuist. Geef deze melding door aan de beheerder."),
        RunFailure.NIET_OPGEPAKT: _l(
            "De ronde is niet op tijd opgepakt. Vraag de beheerder of de achtergrondverwerker draait."
        ),
        RunFailure.VERWERKER_WEG: _l("De achtergrondverwerker is tijdens de ronde gestopt. Start de ronde opnieuw."),
        RunFailure.WACHTRIJ_ONBEREIKBAAR: _l(
            "De wachtrij was niet bereikbaar. Probeer het over een paar minuten opnieuw."
        ),
        RunFailure.ONVERWACHTE_FOUT: _l(
            "Er ging onverwacht iets mis. De beheerder vindt de details in het logboek van de verwerker."
        ),
    },
    IntakeOutcome: {
        IntakeOutcome.GESCHIKT: _l("geschikt"),
        IntakeOutcome.TWIJFEL: _l("twijfel"),
        IntakeOutcome.NIET_GESCHIKT: _l("niet geschikt"),
    },
    VogStatus: {
        VogStatus.NIET_AANGEVRAAGD: _l("niet aangevraagd"),
        VogStatus.AANGEVRAAGD: _l("aangevraagd"),
        VogStatus.AFGEGEVEN: _l("afgegeven"),
        VogStatus.AFGEWEZEN: _l("afgewezen"),
    },
    Role: {
        Role.COORDINATOR: _l("coördinator"),
        Role.REFERRER: _l("verwijzer (partnermedewerker)"),
        Role.ADMIN: _l("beheerder"),
        Role.VIEWER: _l("meekijker (alleen cijfers)"),
    },
    # The answers of the Dutch instrument: their "English" is the Dutch words (a translation would be another
    # instrument), hence a context of their own, apart from the everyday "ja" and "nee".
    DjgAnswer: {
        DjgAnswer.JA: lazy_pgettext("De Jong Gierveld", "ja"),
        DjgAnswer.MIN_OF_MEER: lazy_pgettext("De Jong Gierveld", "min of meer"),
        DjgAnswer.NEE: lazy_pgettext("De Jong Gierveld", "nee"),
    },
    LonelinessCategory: {
        LonelinessCategory.NIET: _l("niet eenzaam"),
        LonelinessCategory.MATIG: _l("matig eenzaam"),
        LonelinessCategory.ERNSTIG: _l("ernstig eenzaam"),
        LonelinessCategory.ZEER_ERNSTIG: _l("zeer ernstig eenzaam"),
    },
    MeasurementMoment: {
        MeasurementMoment.INTAKE: _l("bij de intake"),
        MeasurementMoment.CHECK_IN: _l("bij een contactmoment"),
        MeasurementMoment.OTHER: _l("tussendoor"),
    },
    MeasurementSource: {
        MeasurementSource.STAFF: _l("samen met een medewerker"),
        MeasurementSource.SELF: _l("zelf ingevuld via een link"),
    },
    CheckInTiming: {
        CheckInTiming.ON_TIME: _l("op tijd"),
        CheckInTiming.LATE: _l("te laat gehouden"),
        CheckInTiming.MISSED: _l("niet gehouden"),
    },
    OrganisationKind: {
        OrganisationKind.WELZIJN: _l("welzijn"),
        OrganisationKind.WONEN: _l("woningcorporatie"),
        OrganisationKind.ZORG: _l("zorg"),
        OrganisationKind.GEMEENTE: _l("gemeente"),
        OrganisationKind.BIBLIOTHEEK: _l("bibliotheek"),
        OrganisationKind.SPORT: _l("sport"),
        OrganisationKind.CULTUUR: _l("cultuur"),
        OrganisationKind.OVERIG: _l("overig"),
    },
    ConsentMethod: {
        ConsentMethod.MONDELING: _l("mondeling"),
        ConsentMethod.SCHRIFTELIJK: _l("schriftelijk"),
        ConsentMethod.ONLINE: _l("online, op het formulier van Samen"),
    },
    ConsentGiver: {
        ConsentGiver.PERSON: _l("de persoon zelf"),
        ConsentGiver.REPRESENTATIVE: _l("een wettelijk vertegenwoordiger"),
    },
    ConsentPurpose: {
        ConsentPurpose.INTAKE_MATCHING: _l("intake en koppelen aan een maatje"),
        ConsentPurpose.SHARE_STATUS: _l("de status delen met de verwijzer"),
        ConsentPurpose.LONELINESS: _l("eenzaamheid meten"),
        ConsentPurpose.EVALUATION: _l("benaderd worden voor een evaluatie"),
    },
    SubjectKind: {SubjectKind.RESIDENT: _l("bewoner"), SubjectKind.VOLUNTEER: _l("vrijwilliger")},
    RequestKind: {
        RequestKind.ACCESS: _l("inzage"),
        RequestKind.RECTIFICATION: _l("rectificatie"),
        RequestKind.ERASURE: _l("wissen"),
        RequestKind.RESTRICTION: _l("beperking van de verwerking"),
        RequestKind.PORTABILITY: _l("overdraagbaarheid"),
        RequestKind.OBJECTION: _l("bezwaar"),
    },
    RequestStatus: {
        RequestStatus.OPEN: _l("open"),
        RequestStatus.DONE: _l("afgehandeld"),
        RequestStatus.REFUSED: _l("afgewezen"),
    },
    ResidentSource: {
        ResidentSource.VERWIJZING: _l("via een verwijzing"),
        ResidentSource.COORDINATOR: _l("door een coördinator"),
    },
    LegalBasis: {
        LegalBasis.CONSENT: _l("toestemming, per doel"),
        LegalBasis.LEGITIMATE_INTEREST: _l("gerechtvaardigd belang"),
        LegalBasis.LEGAL_OBLIGATION: _l("wettelijke plicht"),
    },
    AuditAction: {
        AuditAction.VIEWED: _l("bekeken"),
        AuditAction.ACCOUNT_CREATED: _l("account aangemaakt"),
        AuditAction.ACCOUNT_UPDATED: _l("account gewijzigd"),
        AuditAction.ACCOUNT_PASSWORD_RESET: _l("tijdelijk wachtwoord gegeven"),
        AuditAction.ORGANISATION_CREATED: _l("organisatie aangemaakt"),
        AuditAction.ORGANISATION_UPDATED: _l("organisatie gewijzigd"),
        AuditAction.PROGRAMME_SETTINGS_CHANGED: _l("instellingen van een programma gewijzigd"),
        AuditAction.REJECTION_REASON_CREATED: _l("reden van afwijzen toegevoegd"),
        AuditAction.REJECTION_REASON_CHANGED: _l("reden van afwijzen gewijzigd"),
        AuditAction.END_REASON_CREATED: _l("reden van beëindigen toegevoegd"),
        AuditAction.END_REASON_CHANGED: _l("reden van beëindigen gewijzigd"),
        AuditAction.VOLUNTEER_SIGNED_UP: _l("vrijwilliger aangemeld"),
        AuditAction.VOLUNTEER_UPDATED: _l("gegevens van een vrijwilliger gewijzigd"),
        AuditAction.VOLUNTEER_SCREENED: _l("screening vastgelegd"),
        AuditAction.VOLUNTEER_RESCREENED: _l("opnieuw gescreend"),
        AuditAction.VOLUNTEER_INTAKE_PLANNED: _l("intakegesprek van een vrijwilliger gepland"),
        AuditAction.VOLUNTEER_STOPPED: _l("vrijwilliger gestopt"),
        AuditAction.VOLUNTEER_MERGED: _l("dubbele aanmelding samengevoegd"),
        AuditAction.RESIDENT_CREATED: _l("bewoner ingeschreven"),
        AuditAction.RESIDENT_UPDATED: _l("gegevens van een bewoner gewijzigd"),
        AuditAction.RESIDENT_INTAKE_RECORDED: _l("intakegesprek van een bewoner vastgelegd"),
        AuditAction.RESIDENT_INTAKE_PLANNED: _l("intakegesprek van een bewoner gepland"),
        AuditAction.RESIDENT_CLOSED: _l("aanmelding van een bewoner afgesloten"),
        AuditAction.REFERRAL_CREATED: _l("verwijzing ontvangen"),
        AuditAction.REFERRAL_CORRECTED: _l("verwijzing gecorrigeerd"),
        AuditAction.REFERRAL_WITHDRAWN: _l("verwijzing ingetrokken"),
        AuditAction.REFERRAL_STATUS_CHANGED: _l("status voor de verwijzer veranderd"),
        AuditAction.CONSENT_GIVEN: _l("toestemming gegeven"),
        AuditAction.CONSENT_WITHDRAWN: _l("toestemming ingetrokken"),
        AuditAction.MATCH_RUN_STARTED: _l("koppelronde gestart"),
        AuditAction.MATCH_RUN_FAILED: _l("koppelronde mislukt"),
        AuditAction.MATCH_RUN_FINISHED: _l("koppelronde klaar"),
        AuditAction.PROPOSAL_APPROVED: _l("voorstel goedgekeurd"),
        AuditAction.PROPOSAL_REJECTED: _l("voorstel afgewezen"),
        AuditAction.PROPOSAL_REJECTION_UNDONE: _l("afwijzing ingetrokken"),
        AuditAction.MATCH_CHOSEN_BY_HAND: _l("maatje zelf gekozen"),
        AuditAction.MATCH_INTRODUCTION_PLANNED: _l("kennismaking gepland"),
        AuditAction.MATCH_INTRODUCTION_MOVED: _l("kennismaking verzet"),
        AuditAction.MATCH_INTRODUCTION_NO: _l("geen klik bij kennismaking"),
        AuditAction.MATCH_INTRODUCTION_CANCELLED: _l("kennismaking geannuleerd"),
        AuditAction.MATCH_STARTED: _l("koppeling actief"),
        AuditAction.MATCH_CHECKED_IN: _l("contactmoment vastgelegd"),
        AuditAction.MATCH_ENDED: _l("koppeling beëindigd"),
        AuditAction.MEASUREMENT_RECORDED: _l("eenzaamheidsmeting vastgelegd"),
        AuditAction.MEASUREMENT_LINK_CREATED: _l("link voor een eenzaamheidsmeting gemaakt"),
        AuditAction.AUTH_LOGIN: _l("ingelogd"),
        AuditAction.AUTH_LOGIN_FAILED: _l("inloggen mislukt"),
        AuditAction.AUTH_LOGOUT: _l("uitgelogd"),
        AuditAction.AUTH_REMEMBER_TOKEN_MISUSED: _l("oud 'ingelogd blijven'-cookie geweigerd"),
        AuditAction.ACCOUNT_ROLE_CHANGED: _l("rol gewijzigd"),
        AuditAction.ACCOUNT_ORGANISATION_CHANGED: _l("organisatie van een account gewijzigd"),
        AuditAction.ACCOUNT_SENSITIVE_ACCESS_CONFIRMED: _l("toegang tot gevoelige gegevens bevestigd"),
        AuditAction.ACCOUNT_PASSWORD_CHANGED: _l("wachtwoord gewijzigd"),
        AuditAction.ACCOUNT_TWO_FACTOR_ENROLLED: _l("tweestapsverificatie ingesteld"),
        AuditAction.ACCOUNT_TWO_FACTOR_RESET: _l("tweestapsverificatie opnieuw ingesteld"),
        AuditAction.SUBJECT_REQUEST_REGISTERED: _l("privacyverzoek geregistreerd"),
        AuditAction.SUBJECT_REQUEST_HANDLED: _l("privacyverzoek afgehandeld"),
        AuditAction.RESIDENT_RESTRICTED: _l("verwerking van een bewoner beperkt"),
        AuditAction.RESIDENT_RESTRICTION_LIFTED: _l("beperking van een bewoner opgeheven"),
        AuditAction.VOLUNTEER_RESTRICTED: _l("verwerking van een vrijwilliger beperkt"),
        AuditAction.VOLUNTEER_RESTRICTION_LIFTED: _l("beperking van een vrijwilliger opgeheven"),
        AuditAction.EXPORT_DOWNLOADED: _l("gegevens geëxporteerd"),
        AuditAction.RESIDENT_ANONYMISED: _l("gegevens van een bewoner gewist"),
        AuditAction.VOLUNTEER_ANONYMISED: _l("gegevens van een vrijwilliger gewist"),
        AuditAction.RETENTION_ANONYMISED: _l("gewist: bewaartermijn verstreken"),
        AuditAction.RETENTION_RUN: _l("bewaartermijnen toegepast"),
        AuditAction.API_TOKEN_ISSUED: _l("API-sleutel uitgegeven"),
        AuditAction.API_TOKEN_REVOKED: _l("API-sleutel ingetrokken"),
        AuditAction.API_REFERRAL_CREATED: _l("verwijzing via de API"),
        AuditAction.API_REFERRALS_LISTED: _l("verwijzingen opgevraagd via de API"),
    },
    AuditSubject: {
        AuditSubject.RESIDENT: _l("bewoner"),
        AuditSubject.VOLUNTEER: _l("vrijwilliger"),
        AuditSubject.REFERRAL: _l("verwijzing"),
        AuditSubject.MATCH: _l("koppeling"),
        AuditSubject.PROPOSAL: _l("voorstel"),
        AuditSubject.MATCH_RUN: _l("koppelronde"),
        AuditSubject.SUBJECT_REQUEST: _l("privacyverzoek"),
        AuditSubject.USER: _l("account"),
        AuditSubject.ORGANISATION: _l("organisatie"),
        AuditSubject.PROGRAMME: _l("programma"),
        AuditSubject.REJECTION_REASON: _l("reden van afwijzen"),
        AuditSubject.END_REASON: _l("reden van beëindigen"),
        AuditSubject.RETENTION: _l("bewaartermijnen"),
        AuditSubject.COALITION: _l("cijfers van de coalitie"),
        AuditSubject.API_TOKEN: _l("API-sleutel"),
    },
}

_BADGE_KINDS: dict[type[enum.Enum], Mapping[Any, str]] = {
    ResidentStatus: {
        ResidentStatus.WACHTEND: "warn",
        ResidentStatus.KENNISMAKING: "info",
        ResidentStatus.GEKOPPELD: "ok",
        ResidentStatus.AFGESLOTEN: "neutral",
    },
    ProposalStatus: {
        ProposalStatus.OPEN: "info",
        ProposalStatus.GOEDGEKEURD: "ok",
        ProposalStatus.AFGEWEZEN: "bad",
        ProposalStatus.VERVALLEN: "neutral",
    },
    MatchStatus: {MatchStatus.KENNISMAKING: "info", MatchStatus.ACTIEF: "ok", MatchStatus.BEEINDIGD: "neutral"},
    CheckInVerdict: {CheckInVerdict.GOED: "ok", CheckInVerdict.ZORGEN: "warn", CheckInVerdict.STOPPEN: "bad"},
    Attention: {
        Attention.CHECK_IN_OVERDUE: "bad",
        Attention.RECORD_OUTCOME: "warn",
        Attention.PLAN_INTRODUCTION: "warn",
        Attention.ENDING_TALK: "warn",
        Attention.CHECK_IN_DUE: "info",
        Attention.INTRODUCTION_PLANNED: "info",
        Attention.ON_TRACK: "ok",
        Attention.ENDED: "neutral",
    },
    CheckInState: {
        CheckInState.NOT_YET: "neutral",
        CheckInState.DUE: "warn",
        CheckInState.OVERDUE: "bad",
        CheckInState.ALL_DONE: "ok",
    },
    ReferralStatus: {
        ReferralStatus.ONTVANGEN: "neutral",
        ReferralStatus.IN_BEHANDELING: "info",
        ReferralStatus.GEKOPPELD: "ok",
        ReferralStatus.AFGESLOTEN: "neutral",
    },
    RunStatus: {
        RunStatus.WACHTRIJ: "neutral",
        RunStatus.BEZIG: "info",
        RunStatus.KLAAR: "ok",
        RunStatus.MISLUKT: "bad",
    },
    IntakeOutcome: {IntakeOutcome.GESCHIKT: "ok", IntakeOutcome.TWIJFEL: "warn", IntakeOutcome.NIET_GESCHIKT: "bad"},
}

_EXPLANATIONS: dict[ReferralStatus, Any] = {
    ReferralStatus.ONTVANGEN: _l("Welzijn Rijswijk heeft de verwijzing ontvangen. Een coördinator neemt contact op."),
    ReferralStatus.IN_BEHANDELING: _l(
        "Een coördinator heeft contact met de bewoner en zoekt een passende vrijwilliger, of de bewoner maakt al "
        "kennis met een vrijwilliger."
    ),
    ReferralStatus.GEKOPPELD: _l("De bewoner is gekoppeld aan een vrijwilliger."),
    ReferralStatus.AFGESLOTEN: _l("De aanmelding is afgesloten. Neem contact op met Welzijn Rijswijk voor vragen."),
}


def label(member: enum.Enum) -> str:
    """The member's Dutch label (English when the visitor chose English)."""
    return str(_LABELS[type(member)][member])


def lazy_label(member: enum.Enum) -> Any:
    """The member's label, translated when it is shown (for module-level form choices)."""
    return _LABELS[type(member)][member]


def badge_kind(member: enum.Enum) -> str:
    """The badge style a member is shown with: ok, info, warn, bad or neutral."""
    return _BADGE_KINDS.get(type(member), {}).get(member, "neutral")


def referral_explanation(status: ReferralStatus) -> str:
    """A sentence for the referrer about what a status means."""
    return str(_EXPLANATIONS[status])


class ListedReason(Protocol):
    """An admin-managed reason (rejection or ending): a Dutch label and, when filled in, an English one."""

    label: str
    label_en: str


def reason_label(reason: ListedReason | None) -> str:
    """An admin-managed reason's label in the visitor's language (the Dutch one when no English one is set)."""
    if reason is None:
        return ""
    if reason.label_en and str(get_locale() or "nl") == "en":
        return reason.label_en
    return reason.label


def choices_for(members: Iterable[enum.Enum]) -> list[SelectChoice]:
    """Form choices (value, label) for enumeration members, in the order given."""
    return [SelectChoice(str(member.value), _LABELS[type(member)][member]) for member in members]
