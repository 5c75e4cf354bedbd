"""Referrals as their referrer sees them: the stored minimal status, the organisation's list, withdrawing and
correcting a referral.

The stored status is written by ``webapp.services.referral_status.refresh`` alone (re-exported here as
``refresh_status``).

Anyone at the referring organisation may withdraw a referral while the resident waits, and correct the resident's
contact details until the intake talk; after that the coordinators of Welzijn Rijswijk own the data. Withdrawing
closes the resident through ``webapp.services.matches`` (the one writer of a resident's status).

The referrer sees the status only while the resident's consent to share it stands (``webapp.services.consent``):
once it is withdrawn they see that it was, and nothing more: no status, no later contact details, no filter that
tells the status, and no step (correcting, withdrawing) whose refusal would.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from webapp.enums import AuditAction, AuditSubject, ConsentPurpose, ReferralStatus
from webapp.models import Consent, Referral, Resident, ResidentStatus, User, utcnow
from webapp.services import audit, consent, matches
from webapp.services.errors import Conflict, FieldError, NotFound
from webapp.services.referral_status import refresh as refresh_status  # noqa: F401 (used by callers as before)


def of_organisation(referrer: User, text: str = "", status: ReferralStatus | None = None) -> Select[Any]:
    """The referrals of the referrer's organisation (colleagues see each other's), newest first, with a search on
    the resident's name or postcode and a status filter."""
    return of_organisation_id(referrer.organisation_id, text, status)


def of_organisation_id(organisation_id: int, text: str = "", status: ReferralStatus | None = None) -> Select[Any]:
    """``of_organisation`` by the organisation's id: the API's tokens belong to an organisation, not a person."""
    query = (
        select(Referral)
        .join(Referral.resident)
        .options(selectinload(Referral.resident), selectinload(Referral.referrer))
        .where(Referral.organisation_id == organisation_id)
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    )
    if status is not None:
        # A referral whose status may not be shared is never found by its status.
        sharing = Consent.in_force(ConsentPurpose.SHARE_STATUS, resident_id=Referral.resident_id)
        query = query.where(Referral.status == status, sharing)
    words = text.split()
    if words:
        postcode = func.replace(Resident.postcode, " ", "")
        query = query.where(
            or_(
                and_(
                    *(
                        or_(
                            Resident.first_name.icontains(word, autoescape=True),
                            Resident.last_name.icontains(word, autoescape=True),
                            postcode.icontains(word, autoescape=True),
                        )
                        for word in words
                    )
                ),
                postcode.icontains("".join(words), autoescape=True),
            )
        )
    return query


def one_of_organisation(session: Session, referrer: User, referral_id: int) -> Referral:
    """A referral of the referrer's organisation; anyone else's is 'not found', never 'forbidden'."""
    return one_of_organisation_id(session, referrer.organisation_id, referral_id)


def one_of_organisation_id(session: Session, organisation_id: int, referral_id: int) -> Referral:
    referral = session.scalar(of_organisation_id(organisation_id).where(Referral.id == referral_id))
    if referral is None:
        raise NotFound(_("Deze verwijzing bestaat niet."))
    return referral


# -- what the referrer may see --------------------------------------------------------------------------------


def shares_status(session: Session, referral: Referral) -> bool:
    """Whether the resident's consent to share the status with the referrer stands."""
    return consent.has_consent(session, ConsentPurpose.SHARE_STATUS, resident_id=referral.resident_id)


def status_withheld(session: Session, referrals: list[Referral]) -> set[int]:
    """The ids of those referrals whose status the referrer may no longer see (the consent was withdrawn)."""
    by_resident = {referral.resident_id: referral.id for referral in referrals}
    withheld = consent.residents_without(session, ConsentPurpose.SHARE_STATUS, by_resident)
    return {by_resident[resident_id] for resident_id in withheld}


def status_withheld_message() -> str:
    return _(
        "De bewoner heeft de toestemming ingetrokken om de status van deze verwijzing met u te delen. U ziet daarom "
        "niet meer hoe het ermee staat. Vragen? Neem contact op met Welzijn Rijswijk."
    )


def referral_consent(session: Session, referral: Referral) -> Consent | None:
    """The consent recorded with the referral (the first consent to share the status), as the referrer gave it."""
    return session.scalar(
        select(Consent)
        .where(Consent.resident_id == referral.resident_id, Consent.purpose == ConsentPurpose.SHARE_STATUS)
        .order_by(Consent.id)
        .limit(1)
    )


# -- withdrawing and correcting ------------------------------------------------------------------------------


def may_withdraw(referral: Referral, sharing: bool = True) -> bool:
    """A referral can be withdrawn while the resident waits (received, or in progress without a match), and while
    the referrer may see its status (``sharing``: whether it could be withdrawn would tell it)."""
    return sharing and referral.resident.status is ResidentStatus.WACHTEND


def why_not_correctable(referral: Referral, sharing: bool = True) -> str | None:
    """Why the referrer can no longer correct the contact details (None while they can): until the intake talk
    they may, afterwards Welzijn Rijswijk does; never once the resident withdrew the consent to share the status
    (``sharing`` false), whatever the status."""
    if not sharing:
        return status_withheld_message()
    resident = referral.resident
    if resident.status is ResidentStatus.AFGESLOTEN:
        return _("Deze verwijzing is afgesloten; de gegevens wijzigen kan niet meer.")
    if resident.intake_on is not None:
        return _(
            "Welzijn Rijswijk heeft het intakegesprek met de bewoner gehouden en wijzigt de gegevens vanaf nu. "
            "Klopt er iets niet? Neem contact op met Welzijn Rijswijk."
        )
    return None


def may_correct(referral: Referral, sharing: bool = True) -> bool:
    return why_not_correctable(referral, sharing) is None


def withdraw(session: Session, referrer: User, referral: Referral, reason: str) -> None:
    """Someone at the referring organisation withdraws the referral while the resident waits: the resident is
    closed with who and why (through the matches service), and the referral's status becomes afgesloten."""
    resident = referral.resident
    sharing = shares_status(session, referral)
    if sharing and resident.status is ResidentStatus.AFGESLOTEN:
        raise Conflict(_("Deze verwijzing is al afgesloten."))
    if not may_withdraw(referral, sharing):
        # The same words whether the resident is in the introduction or matched: a referrer sees "in behandeling"
        # during the introduction, and this message must not tell more.
        raise Conflict(_("U kunt deze verwijzing hier niet meer intrekken. Neem contact op met Welzijn Rijswijk."))
    if not reason.strip():
        raise FieldError("reason", _("Vul de reden in waarom u de verwijzing intrekt."))
    matches.close_resident(
        session,
        referrer,
        resident,
        _withdrawal_reason(referrer, reason.strip()),
        withdrawn_by_referrer=True,
    )
    referral.withdrawn_at = utcnow()
    session.flush()


def _withdrawal_reason(referrer: User, reason: str) -> str:
    # Stored Dutch for the coordinators (the resident's closed_reason), whatever language the referrer reads.
    return f"Ingetrokken door {referrer.name} ({referrer.organisation.name}): {reason}"


@dataclass(frozen=True)
class ContactDetails:
    """What a referrer may correct about a resident until the intake talk."""

    first_name: str
    last_name: str
    phone: str
    email: str
    postcode: str
    pc4: str
    address: str

    def normalised(self) -> ContactDetails:
        return ContactDetails(
            first_name=self.first_name.strip(),
            last_name=self.last_name.strip(),
            phone=self.phone.strip(),
            email=self.email.strip().lower(),
            postcode=self.postcode,
            pc4=self.pc4,
            address=self.address.strip(),
        )


CONTACT_FIELDS = tuple(field.name for field in fields(ContactDetails))


def contact_details_of(resident: Resident) -> ContactDetails:
    return ContactDetails(**{name: getattr(resident, name) for name in CONTACT_FIELDS})


def correct_contact_details(
    session: Session, referrer: User, referral: Referral, details: ContactDetails, expected_version: int
) -> list[str]:
    """Someone at the referring organisation corrects the resident's contact details before the intake talk;
    refused when someone else saved in between. Returns the names of the changed fields."""
    resident = referral.resident
    refusal = why_not_correctable(referral, shares_status(session, referral))
    if refusal is not None:
        raise Conflict(refusal)
    if resident.version != expected_version:
        raise Conflict(_("Iemand anders heeft de gegevens van deze bewoner intussen gewijzigd."))
    details = details.normalised()
    for name, message in (
        ("first_name", _("Vul de voornaam in.")),
        ("last_name", _("Vul de achternaam in.")),
        ("phone", _("Vul het telefoonnummer van de bewoner in.")),
        ("postcode", _("Vul de postcode in.")),
    ):
        if not getattr(details, name):
            raise FieldError(name, message)
    # The postcode's area (pc4) follows the postcode; it is not a field of its own for the referrer.
    changed = [name for name in CONTACT_FIELDS if name != "pc4" and getattr(resident, name) != getattr(details, name)]
    if not changed:
        return []
    for name in CONTACT_FIELDS:
        setattr(resident, name, getattr(details, name))
    session.flush()
    audit.record(
        session,
        referrer,
        AuditAction.REFERRAL_CORRECTED,
        AuditSubject.REFERRAL,
        referral.id,
        resident_id=resident.id,
        fields=changed,
    )
    return changed
