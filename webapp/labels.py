"""One vocabulary: the one Dutch label of every enumeration member, and the badge kind it is shown with.

Templates show a status with the ``badge`` macro (``templates/_badge.html``), which reads ``label`` and
``badge_kind``; forms build their choices with ``choices_for``. The English texts come from the catalogue.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from webapp.enums import (
    ConsentBy,
    ConsentMethod,
    IntakeOutcome,
    MatchStatus,
    OrganisationKind,
    ProposalStatus,
    ReferralStatus,
    RejectionReason,
    ResidentSource,
    ResidentStatus,
    Role,
    RunStatus,
    VogStatus,
)

# Keyed by class first: members of two StrEnums with the same value are equal (and hash alike) in Python.
_LABELS: dict[type[enum.Enum], Mapping[Any, Any]] = {
    ResidentStatus: {
        ResidentStatus.WACHTEND: _l("wachtend"),
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
        MatchStatus.ACTIEF: _l("actief"),
        MatchStatus.BEEINDIGD: _l("beëindigd"),
    },
    ReferralStatus: {
        ReferralStatus.ONTVANGEN: _l("ontvangen"),
        ReferralStatus.IN_BEHANDELING: _l("in behandeling"),
        ReferralStatus.GEKOPPELD: _l("gekoppeld"),
        ReferralStatus.AFGESLOTEN: _l("afgesloten"),
    },
    RunStatus: {
        RunStatus.KLAAR: _l("klaar"),
        RunStatus.MISLUKT: _l("mislukt"),
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
    RejectionReason: {
        RejectionReason.PAST_NIET: _l("Ze passen niet bij elkaar"),
        RejectionReason.AFSTAND: _l("Te ver weg van elkaar"),
        RejectionReason.TIJDEN: _l("De tijden passen in de praktijk niet"),
        RejectionReason.WENS_BEWONER: _l("De bewoner wil dit niet"),
        RejectionReason.WENS_VRIJWILLIGER: _l("De vrijwilliger wil dit niet"),
        RejectionReason.ANDERS: _l("Anders"),
    },
    Role: {
        Role.COORDINATOR: _l("coördinator"),
        Role.REFERRER: _l("verwijzer (partnermedewerker)"),
        Role.ADMIN: _l("beheerder"),
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
    ConsentBy: {
        ConsentBy.BEWONER: _l("de bewoner zelf"),
        ConsentBy.VERTEGENWOORDIGER: _l("een wettelijk vertegenwoordiger"),
    },
    ConsentMethod: {
        ConsentMethod.MONDELING: _l("mondeling"),
        ConsentMethod.SCHRIFTELIJK: _l("schriftelijk"),
    },
    ResidentSource: {
        ResidentSource.VERWIJZING: _l("via een verwijzing"),
        ResidentSource.COORDINATOR: _l("door een coördinator"),
    },
}

_BADGE_KINDS: dict[type[enum.Enum], Mapping[Any, str]] = {
    ResidentStatus: {
        ResidentStatus.WACHTEND: "warn",
        ResidentStatus.GEKOPPELD: "ok",
        ResidentStatus.AFGESLOTEN: "neutral",
    },
    ProposalStatus: {
        ProposalStatus.OPEN: "info",
        ProposalStatus.GOEDGEKEURD: "ok",
        ProposalStatus.AFGEWEZEN: "bad",
        ProposalStatus.VERVALLEN: "neutral",
    },
    MatchStatus: {MatchStatus.ACTIEF: "ok", MatchStatus.BEEINDIGD: "neutral"},
    ReferralStatus: {
        ReferralStatus.ONTVANGEN: "neutral",
        ReferralStatus.IN_BEHANDELING: "info",
        ReferralStatus.GEKOPPELD: "ok",
        ReferralStatus.AFGESLOTEN: "neutral",
    },
    RunStatus: {RunStatus.KLAAR: "ok", RunStatus.MISLUKT: "bad"},
    IntakeOutcome: {IntakeOutcome.GESCHIKT: "ok", IntakeOutcome.TWIJFEL: "warn", IntakeOutcome.NIET_GESCHIKT: "bad"},
}

_EXPLANATIONS: dict[ReferralStatus, Any] = {
    ReferralStatus.ONTVANGEN: _l("Welzijn Rijswijk heeft de verwijzing ontvangen. Een coördinator neemt contact op."),
    ReferralStatus.IN_BEHANDELING: _l(
        "Een coördinator heeft met de bewoner gesproken en zoekt een passende vrijwilliger."
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


def choices_for(members: Iterable[enum.Enum]) -> list[SelectChoice]:
    """Form choices (value, label) for enumeration members, in the order given."""
    return [SelectChoice(str(member.value), _LABELS[type(member)][member]) for member in members]
