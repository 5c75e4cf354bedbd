"""The e-mails Samen sends, each put in the outbox in the transaction of the change it tells about.

The texts are plain-text Jinja templates in ``webapp/templates/mail/``, always in Dutch (the recipient chose no
language; the web page in which the change happened may be English): the first line is ``Onderwerp: ...``, the
rest is the body. A mail says no more than the recipient already knows: a volunteer's confirmation uses their
first name; a referrer's notice names the resident by first name and initial, never the reason of the referral or
the volunteer; the coordinators' digest holds counts and links, no names.

Links point at ``SAMEN_PUBLIC_URL`` (app config, else the environment; default ``http://127.0.0.1:5000``, what
``make run`` serves), because the digest is made by a command outside any request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import force_locale
from jinja2 import Environment
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from webapp.enums import ConsentPurpose
from webapp.models import Consent, Organisation, OutboxMail, Referral, Role, User, Volunteer
from webapp.services import outbox
from webapp.services.week import coordinator_week

DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
SUBJECT_PREFIX = "Onderwerp:"

VOLUNTEER_SIGNUP = "volunteer_signup"
REFERRAL_STATUS = "referral_status"
COORDINATOR_DIGEST = "coordinator_digest"


def public_url(config: Mapping[str, Any]) -> str:
    """Where people reach the app, without a trailing slash."""
    url = config.get("SAMEN_PUBLIC_URL") or os.environ.get("SAMEN_PUBLIC_URL") or DEFAULT_PUBLIC_URL
    return str(url).rstrip("/")


def link(endpoint: str, anchor: str = "", **values: Any) -> str:
    """An absolute link into the app, also outside a request."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return public_url(current_app.config) + path + (f"#{anchor}" if anchor else "")


def _environment() -> Environment:
    """The app's templates and globals, with the block tags trimmed as plain text needs."""
    environment = current_app.extensions.get("samen_mail_templates")
    if environment is None:
        environment = current_app.jinja_env.overlay(trim_blocks=True, lstrip_blocks=True, autoescape=False)
        current_app.extensions["samen_mail_templates"] = environment
    return environment


def render_mail(name: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of the template ``mail/<name>.txt``, in Dutch, with the contact details of Welzijn Rijswijk."""
    config = current_app.config
    with force_locale("nl"):
        text = (
            _environment()
            .get_template(f"mail/{name}.txt")
            .render(
                contact_phone=config["SAMEN_CONTACT_PHONE"],
                contact_email=config["SAMEN_CONTACT_EMAIL"],
                **context,
            )
        )
    first_line, _, body = text.lstrip().partition("\n")
    if not first_line.startswith(SUBJECT_PREFIX):
        raise ValueError(f"mail/{name}.txt must start with '{SUBJECT_PREFIX} ...'")
    return first_line.removeprefix(SUBJECT_PREFIX).strip(), body.strip() + "\n"


def short_name(first_name: str, last_name: str) -> str:
    """'Anna' and 'de Vries' -> 'Anna V.': enough for the referrer to recognise, little for anyone else."""
    words = last_name.split()
    surname = next((word for word in words if word[:1].isupper()), words[-1] if words else "")
    return f"{first_name.strip()} {surname[0].upper()}." if surname else first_name.strip()


# --- (a) A volunteer's confirmation of their sign-up ---------------------------------------------------------


def volunteer_signed_up(session: Session, volunteer: Volunteer) -> OutboxMail | None:
    """The confirmation of a sign-up, with what happens next (an intake talk with a coordinator)."""
    subject, body = render_mail(
        VOLUNTEER_SIGNUP, first_name=volunteer.first_name, signup_url=link("public.volunteer_signup")
    )
    return outbox.enqueue(
        session, VOLUNTEER_SIGNUP, volunteer.email, subject, body, dedupe_key=f"volunteer-signup:{volunteer.id}"
    )


# --- (b) A referrer's notice that the status of their referral changed -------------------------------------------


def _shares_status(session: Session, resident_id: int) -> bool:
    """Whether the resident's consent to share the status with the referrer stands (given with the referral, not
    withdrawn since; see ``webapp.services.consent``)."""
    return bool(session.scalar(select(Consent.in_force(ConsentPurpose.SHARE_STATUS, resident_id=resident_id))))


def referral_status_changed(session: Session, referral: Referral) -> OutboxMail | None:
    """Tell the referrer the referral's new status (called right after ``referral_status.refresh`` wrote it); no
    mail when the resident withdrew the consent to share it, their processing is restricted or their data
    anonymised, or the referrer's account or organisation is no longer active."""
    resident, referrer = referral.resident, referral.referrer
    if resident.restricted_at is not None or resident.anonymised_at is not None:
        return None
    if not referrer.active or not referrer.organisation.active:
        return None
    if not _shares_status(session, resident.id):
        return None
    subject, body = render_mail(
        REFERRAL_STATUS,
        referrer_name=referrer.name,
        resident=short_name(resident.first_name, resident.last_name),
        referred_on=referral.created_at,
        status=referral.status,
        referral_url=link("referrals.referral_detail", referral_id=referral.id),
    )
    changed_at = f"{referral.status_changed_at:%Y%m%dT%H%M%S.%f}"
    return outbox.enqueue(
        session,
        REFERRAL_STATUS,
        referrer.email,
        subject,
        body,
        dedupe_key=f"referral-status:{referral.id}:{referral.status.value}:{changed_at}",
    )


# --- (c) The coordinators' daily digest ----------------------------------------------------------------------


def enqueue_digests(session: Session, config: Mapping[str, Any], today: date) -> int:
    """One mail to every active coordinator with the counts of the week page's lists, at most one per coordinator
    per day; returns how many were added."""
    coordinators = session.scalars(
        select(User)
        .join(User.organisation)
        .where(User.role == Role.COORDINATOR, User.active.is_(True), Organisation.active.is_(True))
        .order_by(User.id)
    ).all()
    if not coordinators:
        return 0
    week = coordinator_week(session, config, today, limit=0)
    subject, body = render_mail(
        COORDINATOR_DIGEST,
        week=week,
        vog_notice_days=int(config["SAMEN_VOG_NOTICE_DAYS"]),
        week_url=link("coordination.dashboard"),
    )
    added = 0
    for coordinator in coordinators:
        mail = outbox.enqueue(
            session,
            COORDINATOR_DIGEST,
            coordinator.email,
            subject,
            body,
            dedupe_key=f"digest:{coordinator.id}:{today.isoformat()}",
        )
        added += mail is not None
    return added


# --- Mails that must not go out any more -----------------------------------------------------------------------


def discard_unsent_about_resident(session: Session, resident_id: int) -> int:
    """Drop the referrer's notices about this resident that are not sent yet (their processing was restricted or
    their consent to share the status withdrawn: it stops at once, also for what is already queued)."""
    referral_ids = select(Referral.id).where(Referral.resident_id == resident_id)
    keys = [f"referral-status:{referral_id}:" for referral_id in session.scalars(referral_ids)]
    return _discard_unsent(session, REFERRAL_STATUS, keys)


def discard_unsent_about_volunteer(session: Session, volunteer_id: int) -> int:
    """Drop the volunteer's sign-up confirmation if it is not sent yet (their processing was restricted)."""
    return _discard_unsent(session, VOLUNTEER_SIGNUP, [f"volunteer-signup:{volunteer_id}"])


def _discard_unsent(session: Session, kind: str, key_prefixes: list[str]) -> int:
    if not key_prefixes:
        return 0
    result = session.execute(
        delete(OutboxMail)
        .where(
            OutboxMail.kind == kind,
            OutboxMail.sent_at.is_(None),
            or_(*(OutboxMail.dedupe_key.startswith(prefix, autoescape=True) for prefix in key_prefixes)),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
