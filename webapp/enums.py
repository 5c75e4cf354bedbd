"""Every enumeration the domain knows, with no Flask and no database: the models store them, the pure rules
(`webapp.rules`) reason about them and `webapp.labels` gives each member its one Dutch label.

Values are what the database stores; never rename a value without a migration.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    REFERRER = "referrer"


class OrganisationKind(enum.StrEnum):
    WELZIJN = "welzijn"
    WONEN = "woningcorporatie"
    ZORG = "zorg"
    GEMEENTE = "gemeente"
    BIBLIOTHEEK = "bibliotheek"
    SPORT = "sport"
    CULTUUR = "cultuur"
    OVERIG = "overig"


class Gender(enum.StrEnum):
    VROUW = "vrouw"
    MAN = "man"
    ANDERS = "anders"


class IntakeOutcome(enum.StrEnum):
    GESCHIKT = "geschikt"
    NIET_GESCHIKT = "niet_geschikt"
    TWIJFEL = "twijfel"


class VogStatus(enum.StrEnum):
    NIET_AANGEVRAAGD = "niet_aangevraagd"
    AANGEVRAAGD = "aangevraagd"
    AFGEGEVEN = "afgegeven"
    AFGEWEZEN = "afgewezen"


class ResidentStatus(enum.StrEnum):
    WACHTEND = "wachtend"
    GEKOPPELD = "gekoppeld"
    AFGESLOTEN = "afgesloten"


class ResidentSource(enum.StrEnum):
    VERWIJZING = "verwijzing"
    COORDINATOR = "coordinator"


class ConsentBy(enum.StrEnum):
    BEWONER = "bewoner"
    VERTEGENWOORDIGER = "vertegenwoordiger"


class ConsentMethod(enum.StrEnum):
    MONDELING = "mondeling"
    SCHRIFTELIJK = "schriftelijk"


class RunStatus(enum.StrEnum):
    KLAAR = "klaar"
    MISLUKT = "mislukt"


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    GOEDGEKEURD = "goedgekeurd"
    AFGEWEZEN = "afgewezen"
    VERVALLEN = "vervallen"


class RejectionReason(enum.StrEnum):
    PAST_NIET = "past_niet"
    AFSTAND = "afstand"
    TIJDEN = "tijden"
    WENS_BEWONER = "wens_bewoner"
    WENS_VRIJWILLIGER = "wens_vrijwilliger"
    ANDERS = "anders"


class MatchStatus(enum.StrEnum):
    ACTIEF = "actief"
    BEEINDIGD = "beeindigd"


class ReferralStatus(enum.StrEnum):
    """The minimal status a referrer sees of a referral (never notes, volunteers or matches)."""

    ONTVANGEN = "ontvangen"
    IN_BEHANDELING = "in behandeling"
    GEKOPPELD = "gekoppeld"
    AFGESLOTEN = "afgesloten"


#: THE definition of which match statuses hold a volunteer's place and the resident: the capacity counter
#: (``Volunteer.places_taken``), the partial unique index on the resident's match and eligibility all follow it.
PLACE_HOLDING_MATCH_STATUSES: frozenset[MatchStatus] = frozenset({MatchStatus.ACTIEF})


def place_holding_sql(column: str = "status") -> str:
    """The SQL predicate "this match holds a place", for the partial unique index (values in a stable order)."""
    values = ", ".join(f"'{status.value}'" for status in sorted(PLACE_HOLDING_MATCH_STATUSES))
    return f"{column} IN ({values})"
