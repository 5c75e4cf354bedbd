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
    # The municipality's and partners' managers: the coalition's dashboard only, aggregates only.
    VIEWER = "viewer"


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
    """Where a resident is: on the waiting list, getting to know a proposed buddy, matched, or closed."""

    WACHTEND = "wachtend"
    KENNISMAKING = "kennismaking"
    GEKOPPELD = "gekoppeld"
    AFGESLOTEN = "afgesloten"


class ResidentSource(enum.StrEnum):
    VERWIJZING = "verwijzing"
    COORDINATOR = "coordinator"


class ConsentMethod(enum.StrEnum):
    MONDELING = "mondeling"
    SCHRIFTELIJK = "schriftelijk"
    ONLINE = "online"  # the person ticked it on Samen's own form


class ConsentGiver(enum.StrEnum):
    """Who gave a consent: the person, or a legal representative (for residents under 16)."""

    PERSON = "persoon"
    REPRESENTATIVE = "vertegenwoordiger"


class RunStatus(enum.StrEnum):
    WACHTRIJ = "wachtrij"
    BEZIG = "bezig"
    KLAAR = "klaar"
    MISLUKT = "mislukt"

    @property
    def active(self) -> bool:
        """Queued or running: the run holds its programme, and the run page refreshes itself."""
        return self in (RunStatus.WACHTRIJ, RunStatus.BEZIG)


class RunStage(enum.StrEnum):
    """Where a running run is, in the order a run goes through them."""

    LADEN = "laden"
    SCOREN = "scoren"
    OPLOSSEN = "oplossen"
    CERTIFICAAT = "certificaat"
    WERVING = "werving"  # Wie zoeken we?: which new volunteers would help the residents left waiting
    OPSLAAN = "opslaan"


class RunFailure(enum.StrEnum):
    """Why a run failed; the engine's own message, where there is one, is kept in the run's stats."""

    ONJUISTE_GEGEVENS = "onjuiste_gegevens"
    NIET_OPGEPAKT = "niet_opgepakt"
    VERWERKER_WEG = "verwerker_weg"
    WACHTRIJ_ONBEREIKBAAR = "wachtrij_onbereikbaar"
    ONVERWACHTE_FOUT = "onverwachte_fout"


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    GOEDGEKEURD = "goedgekeurd"
    AFGEWEZEN = "afgewezen"
    VERVALLEN = "vervallen"


class MatchStatus(enum.StrEnum):
    """A match's life: the introduction meeting (kennismaking), then active from the day both said yes, then
    ended (after a no at the introduction, a cancelled introduction, or an ending)."""

    KENNISMAKING = "kennismaking"
    ACTIEF = "actief"
    BEEINDIGD = "beeindigd"


class MatchEventKind(enum.StrEnum):
    """The steps of a match's timeline."""

    GOEDGEKEURD = "goedgekeurd"
    ZELF_GEKOZEN = "zelf_gekozen"
    KENNISMAKING_GEPLAND = "kennismaking_gepland"
    KENNISMAKING_VERZET = "kennismaking_verzet"
    GESTART = "gestart"
    GEEN_KLIK = "geen_klik"
    KENNISMAKING_GEANNULEERD = "kennismaking_geannuleerd"
    CONTACTMOMENT = "contactmoment"
    BEEINDIGD = "beeindigd"


class CheckInWith(enum.StrEnum):
    BEWONER = "bewoner"
    VRIJWILLIGER = "vrijwilliger"
    BEIDEN = "beiden"


class CheckInMethod(enum.StrEnum):
    TELEFOON = "telefoon"
    BEZOEK = "bezoek"
    EMAIL = "email"


class CheckInVerdict(enum.StrEnum):
    """How the match goes, as the coordinator heard it."""

    GOED = "goed"
    ZORGEN = "zorgen"
    STOPPEN = "stoppen"


class MatchStep(enum.StrEnum):
    """What a coordinator can do next with a match (see ``webapp.rules.allowed_steps``)."""

    PLAN_INTRODUCTION = "plan_introduction"
    MOVE_INTRODUCTION = "move_introduction"
    RECORD_OUTCOME = "record_outcome"
    CANCEL_INTRODUCTION = "cancel_introduction"
    CHECK_IN = "check_in"
    END = "end"


class Attention(enum.StrEnum):
    """What a match asks of its coordinator now, most urgent first (the order of the list page and the week)."""

    CHECK_IN_OVERDUE = "contactmoment_te_laat"
    RECORD_OUTCOME = "uitkomst_vastleggen"
    PLAN_INTRODUCTION = "kennismaking_plannen"
    ENDING_TALK = "eindgesprek"
    CHECK_IN_DUE = "contactmoment_nu"
    INTRODUCTION_PLANNED = "kennismaking_gepland"
    ON_TRACK = "loopt"
    ENDED = "beeindigd"


class CheckInState(enum.StrEnum):
    """Where a match stands with its check-ins (contactmomenten) today."""

    NOT_YET = "not_yet"
    DUE = "due"
    OVERDUE = "overdue"
    ALL_DONE = "all_done"


class ConsentPurpose(enum.StrEnum):
    """What a person agreed to, one purpose at a time (the AVG's "specific" consent)."""

    INTAKE_MATCHING = "intake_koppelen"
    SHARE_STATUS = "status_delen"
    LONELINESS = "eenzaamheid_meten"
    EVALUATION = "evaluatie_contact"


class SubjectKind(enum.StrEnum):
    """Whose personal data: the two kinds of people Samen keeps files on."""

    RESIDENT = "bewoner"
    VOLUNTEER = "vrijwilliger"


class RequestKind(enum.StrEnum):
    """A data subject's request under the AVG."""

    ACCESS = "inzage"
    RECTIFICATION = "rectificatie"
    ERASURE = "wissen"
    RESTRICTION = "beperking"
    PORTABILITY = "overdraagbaarheid"
    OBJECTION = "bezwaar"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "afgehandeld"
    REFUSED = "afgewezen"


class ReferralStatus(enum.StrEnum):
    """The minimal status a referrer sees of a referral (never notes, volunteers or matches)."""

    ONTVANGEN = "ontvangen"
    IN_BEHANDELING = "in behandeling"
    GEKOPPELD = "gekoppeld"
    AFGESLOTEN = "afgesloten"


#: THE definition of which match statuses hold a volunteer's place and the resident: the capacity counter
#: (``Volunteer.places_taken``), the partial unique index on the resident's match and eligibility all follow it.
PLACE_HOLDING_MATCH_STATUSES: frozenset[MatchStatus] = frozenset({MatchStatus.KENNISMAKING, MatchStatus.ACTIEF})

#: The resident's status while they hold a match in each place-holding status.
RESIDENT_STATUS_FOR_MATCH: dict[MatchStatus, ResidentStatus] = {
    MatchStatus.KENNISMAKING: ResidentStatus.KENNISMAKING,
    MatchStatus.ACTIEF: ResidentStatus.GEKOPPELD,
}

#: The codes of the two end reasons the introduction itself uses (seeded by migration 0003, never offered for an
#: ending and never deactivated).
NO_CLICK_AT_INTRODUCTION = "geen_klik_kennismaking"
INTRODUCTION_CANCELLED = "kennismaking_geannuleerd"


def place_holding_sql(column: str = "status") -> str:
    """The SQL predicate "this match holds a place", for the partial unique index (values in a stable order)."""
    values = ", ".join(f"'{status.value}'" for status in sorted(PLACE_HOLDING_MATCH_STATUSES))
    return f"{column} IN ({values})"


class LegalBasis(enum.StrEnum):
    """On what ground of the AVG (article 6) Samen processes a kind of record."""

    CONSENT = "toestemming"
    LEGITIMATE_INTEREST = "gerechtvaardigd_belang"
    LEGAL_OBLIGATION = "wettelijke_plicht"


class AuditAction(enum.StrEnum):
    """Every action the audit trail records: THE list (``webapp.services.audit.record`` takes nothing else).

    Values are what ``audit_events.action`` stores: never rename one. "viewed" is any view of a person's record
    (the subject says whose); changes name the fields that changed, never their values.
    """

    VIEWED = "viewed"
    # Staff accounts, sign-in, organisations.
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_UPDATED = "account.updated"
    ACCOUNT_PASSWORD_RESET = "account.password_reset"
    ORGANISATION_CREATED = "organisation.created"
    ORGANISATION_UPDATED = "organisation.updated"
    # Settings admins manage.
    PROGRAMME_SETTINGS_CHANGED = "programme.settings_changed"
    REJECTION_REASON_CREATED = "rejection_reason.created"
    REJECTION_REASON_CHANGED = "rejection_reason.changed"
    END_REASON_CREATED = "end_reason.created"
    END_REASON_CHANGED = "end_reason.changed"
    # Volunteers.
    VOLUNTEER_SIGNED_UP = "volunteer.signed_up"
    VOLUNTEER_UPDATED = "volunteer.updated"
    VOLUNTEER_SCREENED = "volunteer.screened"
    VOLUNTEER_RESCREENED = "volunteer.rescreened"
    VOLUNTEER_INTAKE_PLANNED = "volunteer.intake_planned"
    VOLUNTEER_STOPPED = "volunteer.stopped"
    VOLUNTEER_MERGED = "volunteer.merged"
    # Residents and referrals.
    RESIDENT_CREATED = "resident.created"
    RESIDENT_UPDATED = "resident.updated"
    RESIDENT_INTAKE_RECORDED = "resident.intake_recorded"
    RESIDENT_INTAKE_PLANNED = "resident.intake_planned"
    RESIDENT_CLOSED = "resident.closed"
    REFERRAL_CREATED = "referral.created"
    REFERRAL_CORRECTED = "referral.corrected"
    REFERRAL_WITHDRAWN = "referral.withdrawn"
    REFERRAL_STATUS_CHANGED = "referral.status_changed"
    # Consent per purpose.
    CONSENT_GIVEN = "consent.given"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    # Matching runs, proposals and matches.
    MATCH_RUN_STARTED = "match_run.started"
    MATCH_RUN_FAILED = "match_run.failed"
    MATCH_RUN_FINISHED = "match_run.finished"
    PROPOSAL_APPROVED = "proposal.approved"
    PROPOSAL_REJECTED = "proposal.rejected"
    PROPOSAL_REJECTION_UNDONE = "proposal.rejection_undone"
    MATCH_CHOSEN_BY_HAND = "match.chosen_by_hand"
    MATCH_INTRODUCTION_PLANNED = "match.introduction_planned"
    MATCH_INTRODUCTION_MOVED = "match.introduction_moved"
    MATCH_INTRODUCTION_NO = "match.introduction_no"
    MATCH_INTRODUCTION_CANCELLED = "match.introduction_cancelled"
    MATCH_STARTED = "match.started"
    MATCH_CHECKED_IN = "match.checked_in"
    MATCH_ENDED = "match.ended"
    # Loneliness measurements (De Jong Gierveld): never an answer or a score in the trail.
    MEASUREMENT_RECORDED = "measurement.recorded"
    MEASUREMENT_LINK_CREATED = "measurement.link_created"
    # Sign-in and accounts.
    AUTH_LOGIN = "auth.login"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOGOUT = "auth.logout"
    AUTH_REMEMBER_TOKEN_MISUSED = "auth.remember_token_misused"
    ACCOUNT_ROLE_CHANGED = "account.role_changed"
    ACCOUNT_ORGANISATION_CHANGED = "account.organisation_changed"
    ACCOUNT_SENSITIVE_ACCESS_CONFIRMED = "account.sensitive_access_confirmed"
    ACCOUNT_PASSWORD_CHANGED = "account.password_changed"
    ACCOUNT_TWO_FACTOR_ENROLLED = "account.two_factor_enrolled"
    ACCOUNT_TWO_FACTOR_RESET = "account.two_factor_reset"
    # Data subject requests, restriction, export, erasure and retention.
    SUBJECT_REQUEST_REGISTERED = "subject_request.registered"
    SUBJECT_REQUEST_HANDLED = "subject_request.handled"
    RESIDENT_RESTRICTED = "resident.restricted"
    RESIDENT_RESTRICTION_LIFTED = "resident.restriction_lifted"
    VOLUNTEER_RESTRICTED = "volunteer.restricted"
    VOLUNTEER_RESTRICTION_LIFTED = "volunteer.restriction_lifted"
    EXPORT_DOWNLOADED = "export.downloaded"
    RESIDENT_ANONYMISED = "resident.anonymised"
    VOLUNTEER_ANONYMISED = "volunteer.anonymised"
    RETENTION_ANONYMISED = "retention.anonymised"
    RETENTION_RUN = "retention.run"
    # The API for partner systems: its keys, and every use of it that reads or writes a person's data.
    API_TOKEN_ISSUED = "api_token.issued"
    API_TOKEN_REVOKED = "api_token.revoked"
    API_REFERRAL_CREATED = "api.referral_created"
    API_REFERRALS_LISTED = "api.referrals_listed"


class AuditSubject(enum.StrEnum):
    """What kind of record an audit row is about (``audit_events.subject_type``): with the id, whose record."""

    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    REFERRAL = "referral"
    MATCH = "match"
    PROPOSAL = "proposal"
    MATCH_RUN = "match_run"
    SUBJECT_REQUEST = "subject_request"
    USER = "user"
    ORGANISATION = "organisation"
    PROGRAMME = "programme"
    REJECTION_REASON = "rejection_reason"
    END_REASON = "end_reason"
    RETENTION = "retention"
    COALITION = "coalition"  # the coalition's figures (aggregates only, no one's record)
    API_TOKEN = "api_token"  # a partner system's key to the API


class DjgAnswer(enum.StrEnum):
    """An answer to one statement of the De Jong Gierveld scale ("wil/weet niet" is stored as missing: None)."""

    JA = "ja"
    MIN_OF_MEER = "min of meer"
    NEE = "nee"


class LonelinessCategory(enum.StrEnum):
    """The De Jong Gierveld scale's categories of the total score (Van Tilburg & De Jong Gierveld 1999)."""

    NIET = "niet eenzaam"
    MATIG = "matig eenzaam"
    ERNSTIG = "ernstig eenzaam"
    ZEER_ERNSTIG = "zeer ernstig eenzaam"


class MeasurementMoment(enum.StrEnum):
    """When in a person's time with Samen a loneliness measurement was taken."""

    INTAKE = "intake"
    CHECK_IN = "contactmoment"  # at a check-in of a match (the follow-up)
    OTHER = "tussendoor"


class MeasurementSource(enum.StrEnum):
    """Who filled the questionnaire in: staff with the person, or the person on their phone through a link."""

    STAFF = "met_medewerker"
    SELF = "zelf"


class FigureKind(enum.StrEnum):
    """What a cell of one of the coalition's tables holds (how it is shown, and how it is kept from telling about
    fewer than ``SAMEN_MIN_CELL`` people)."""

    TEXT = "text"  # a row's label
    COUNT = "count"  # a number of people (or of matches, check-in moments): in the table's sums
    NUMBER = "number"  # another quantity that comes from the people of a count (free places)
    PERCENT = "percent"
    MEAN = "mean"
    DAYS = "days"  # a median number of days
    MONTHS = "months"  # a predicted waiting time


class Suppression(enum.StrEnum):
    """Why a viewer does not see a number: a count of fewer than the minimum, a cell that would give such a count
    away by subtraction from the totals, or a statistic that comes from too few people."""

    SMALL = "klein"
    DERIVABLE = "afleidbaar"
    FEW = "te_weinig"


class CheckInTiming(enum.StrEnum):
    """How one moment of a match's check-in schedule went, once its window has closed (or it was held in time)."""

    ON_TIME = "op_tijd"  # a check-in within the window either side of the moment
    LATE = "te_laat"  # the first check-in that covers the moment came after its window
    MISSED = "niet_gehouden"  # no check-in covers it, and its window has closed
