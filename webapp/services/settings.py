"""Matching settings per programme and the reason lists (rejecting a proposal, ending a match), managed by admins.

Neither a programme nor a reason has a version column. Instead each edit form carries the values it showed (a
*snapshot*), and a change is written by one conditional UPDATE that only matches while the row still holds exactly
those values: when another admin saved in between, nothing is written and the admin gets a ``Conflict``. A run reads
the settings once, when its worker loads its input (``webapp.services.matching.execute_run``): a change applies from
the next run, and each run keeps the settings it used in ``MatchRun.rules``.

Reasons are never deleted, only made inactive: old proposals and matches keep referring to their code, and a
rejection keeps its own ``excluded_until``, so changing a reason's days does not change rejections already made.
The two end reasons the introduction uses (``webapp.enums.NO_CLICK_AT_INTRODUCTION`` and
``INTRODUCTION_CANCELLED``) are fixed: never changed, deactivated or offered for an ending.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.enums import INTRODUCTION_CANCELLED, NO_CLICK_AT_INTRODUCTION, AuditAction, AuditSubject
from webapp.models import EndReason, Programme, RejectionReason, User
from webapp.services import audit
from webapp.services.errors import Conflict, FieldError, NotFound

WEIGHT_COLUMNS = ("weight_distance", "weight_interests", "weight_availability", "weight_waiting")
AGE_COLUMNS = ("volunteer_min_age", "volunteer_max_age", "resident_min_age", "resident_max_age")
PROGRAMME_COLUMNS = (*WEIGHT_COLUMNS, "max_distance_km", "min_common_slots", "requires_vog", "active", *AGE_COLUMNS)
REJECTION_REASON_COLUMNS = ("label", "label_en", "exclusion_days", "needs_note", "active", "sort_order")
END_REASON_COLUMNS = (
    "label",
    "label_en",
    "needs_note",
    "rescreen_volunteer",
    "closes_resident",
    "active",
    "sort_order",
)
INTRODUCTION_REASON_CODES = frozenset({NO_CLICK_AT_INTRODUCTION, INTRODUCTION_CANCELLED})

MIN_DISTANCE_KM = 0.5
MAX_DISTANCE_KM = 50.0
MAX_COMMON_SLOTS = 21  # every part of every day of the week
MAX_AGE = 120
MAX_LABEL_LENGTH = 120
MAX_EXCLUSION_DAYS = 3650  # ten years; longer is "for good"
MAX_SORT_ORDER = 999
CODE_LENGTH = 40  # the reason tables' code column
# A code that would collide with a URL of the admin pages (/beheer/redenen/afwijzen/nieuw).
RESERVED_CODES = frozenset({"nieuw"})


# -- programmes ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeSettings:
    """A programme's matching settings as an admin enters them: the weights in whole percentages."""

    weight_distance_percent: int
    weight_interests_percent: int
    weight_availability_percent: int
    weight_waiting_percent: int
    max_distance_km: float
    min_common_slots: int
    requires_vog: bool
    active: bool
    volunteer_min_age: int | None = None
    volunteer_max_age: int | None = None
    resident_min_age: int | None = None
    resident_max_age: int | None = None

    @property
    def weights_total_percent(self) -> int:
        return (
            self.weight_distance_percent
            + self.weight_interests_percent
            + self.weight_availability_percent
            + self.weight_waiting_percent
        )

    def as_columns(self) -> dict[str, Any]:
        """The values as the ``programmes`` table stores them (weights as fractions: 35 -> 0.35)."""
        return {
            "weight_distance": self.weight_distance_percent / 100,
            "weight_interests": self.weight_interests_percent / 100,
            "weight_availability": self.weight_availability_percent / 100,
            "weight_waiting": self.weight_waiting_percent / 100,
            "max_distance_km": float(self.max_distance_km),
            "min_common_slots": int(self.min_common_slots),
            "requires_vog": bool(self.requires_vog),
            "active": bool(self.active),
            "volunteer_min_age": self.volunteer_min_age,
            "volunteer_max_age": self.volunteer_max_age,
            "resident_min_age": self.resident_min_age,
            "resident_max_age": self.resident_max_age,
        }


def weight_percent(fraction: float) -> int:
    """A stored weight as the whole percentage the form shows (0.35 -> 35)."""
    return round(fraction * 100)


def settings_of(programme: Programme) -> ProgrammeSettings:
    """A programme's stored settings, in the form's units."""
    return ProgrammeSettings(
        weight_distance_percent=weight_percent(programme.weight_distance),
        weight_interests_percent=weight_percent(programme.weight_interests),
        weight_availability_percent=weight_percent(programme.weight_availability),
        weight_waiting_percent=weight_percent(programme.weight_waiting),
        max_distance_km=programme.max_distance_km,
        min_common_slots=programme.min_common_slots,
        requires_vog=programme.requires_vog,
        active=programme.active,
        volunteer_min_age=programme.volunteer_min_age,
        volunteer_max_age=programme.volunteer_max_age,
        resident_min_age=programme.resident_min_age,
        resident_max_age=programme.resident_max_age,
    )


def programme_snapshot(programme: Programme) -> dict[str, Any]:
    """The stored values an edit form shows; the form sends them back so that a change made meanwhile is seen."""
    return _snapshot(programme, PROGRAMME_COLUMNS)


def programmes(session: Session) -> list[Programme]:
    return list(session.scalars(select(Programme).order_by(Programme.sort_order, Programme.code)))


def programme_settings_problems(new: ProgrammeSettings) -> list[FieldError]:
    """Every mistake in the settings, each with the form field it belongs to ("weights": the four together)."""
    problems: list[FieldError] = []
    for column in WEIGHT_COLUMNS:
        value = getattr(new, f"{column}_percent")
        if not 0 <= value <= 100:
            problems.append(FieldError(column, _("Vul een heel getal van 0 tot en met 100 in.")))
    if not problems and new.weights_total_percent != 100:
        problems.append(
            FieldError(
                "weights",
                _(
                    "De vier gewichten moeten samen 100%% zijn; nu is dat %(total)d%%.",
                    total=new.weights_total_percent,
                ),
            )
        )
    distance = new.max_distance_km
    if not MIN_DISTANCE_KM <= distance <= MAX_DISTANCE_KM:
        problems.append(FieldError("max_distance_km", _("Vul een afstand van 0,5 tot en met 50 km in.")))
    elif abs(distance * 10 - round(distance * 10)) > 1e-9:
        problems.append(FieldError("max_distance_km", _("Gebruik hoogstens één cijfer achter de komma, zoals 2,5.")))
    if not 0 <= new.min_common_slots <= MAX_COMMON_SLOTS:
        problems.append(FieldError("min_common_slots", _("Vul een aantal van 0 tot en met 21 in.")))
    for side in ("volunteer", "resident"):
        minimum, maximum = getattr(new, f"{side}_min_age"), getattr(new, f"{side}_max_age")
        wrong = False
        for name, age in ((f"{side}_min_age", minimum), (f"{side}_max_age", maximum)):
            if age is not None and not 0 <= age <= MAX_AGE:
                problems.append(FieldError(name, _("Vul een leeftijd van 0 tot en met 120 in, of laat het veld leeg.")))
                wrong = True
        if not wrong and minimum is not None and maximum is not None and minimum > maximum:
            problems.append(
                FieldError(
                    f"{side}_min_age",
                    _(
                        "De minimumleeftijd (%(minimum)d) is hoger dan de maximumleeftijd (%(maximum)d).",
                        minimum=minimum,
                        maximum=maximum,
                    ),
                )
            )
    return problems


def update_programme_settings(
    session: Session, actor: User, code: str, new: ProgrammeSettings, shown: Mapping[str, Any]
) -> list[str]:
    """Store a programme's matching settings, unless they changed since the form showed them; returns what changed."""
    programme = session.get(Programme, code)
    if programme is None:
        raise NotFound(_("Dit programma bestaat niet."))
    problems = programme_settings_problems(new)
    if problems:
        raise problems[0]
    old = programme_snapshot(programme)
    if not _same(shown, old):
        raise Conflict(changed_meanwhile_message())
    changes = _changes(old, new.as_columns())
    if not changes:
        return []
    _write_if_unchanged(session, Programme, Programme.code, code, old, {name: c["to"] for name, c in changes.items()})
    session.refresh(programme)
    audit.record(
        session,
        actor,
        AuditAction.PROGRAMME_SETTINGS_CHANGED,
        AuditSubject.PROGRAMME,
        None,
        programme=code,
        fields=list(changes),
        changes=without_text(changes),
    )
    return list(changes)


def without_text(values: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit trail keeps of settings: numbers and switches (also as a change ``{"from": .., "to": ..}``); a
    label is named in the event's ``fields``, its text stays in the table (the trail stores no free text)."""

    def is_text(value: Any) -> bool:
        return isinstance(value, str) or (
            isinstance(value, Mapping) and any(isinstance(v, str) for v in value.values())
        )

    return {name: value for name, value in values.items() if not is_text(value)}


# -- reason lists -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RejectionReasonInput:
    """A reason to reject a proposal; ``exclusion_days`` None keeps the pair apart for good."""

    label: str
    label_en: str
    exclusion_days: int | None
    needs_note: bool
    active: bool
    sort_order: int

    def as_columns(self) -> dict[str, Any]:
        return {
            "label": self.label.strip(),
            "label_en": self.label_en.strip(),
            "exclusion_days": self.exclusion_days,
            "needs_note": bool(self.needs_note),
            "active": bool(self.active),
            "sort_order": int(self.sort_order),
        }


@dataclass(frozen=True)
class EndReasonInput:
    """A reason to end a match: whether it needs a note, sends the volunteer back to screening (a safety concern)
    and keeps the resident off the waiting list."""

    label: str
    label_en: str
    needs_note: bool
    rescreen_volunteer: bool
    closes_resident: bool
    active: bool
    sort_order: int

    def as_columns(self) -> dict[str, Any]:
        return {
            "label": self.label.strip(),
            "label_en": self.label_en.strip(),
            "needs_note": bool(self.needs_note),
            "rescreen_volunteer": bool(self.rescreen_volunteer),
            "closes_resident": bool(self.closes_resident),
            "active": bool(self.active),
            "sort_order": int(self.sort_order),
        }


def reason_code_for(label: str) -> str:
    """The code of a new reason, from its Dutch label: lowercase ASCII words joined by '_' ("Tijden passen nu niet"
    -> "tijden_passen_nu_niet", "beëindigd" -> "beeindigd")."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return slug[:CODE_LENGTH].rstrip("_")


def is_fixed(reason: EndReason) -> bool:
    """Whether the introduction uses this end reason, so that it may not change."""
    return reason.for_introduction or reason.code in INTRODUCTION_REASON_CODES


def rejection_reasons(session: Session) -> list[RejectionReason]:
    return list(
        session.scalars(
            select(RejectionReason).order_by(
                RejectionReason.active.desc(), RejectionReason.sort_order, RejectionReason.code
            )
        )
    )


def end_reasons(session: Session) -> list[EndReason]:
    """Every end reason: those for an ending first, the introduction's own last."""
    return list(
        session.scalars(
            select(EndReason).order_by(
                EndReason.for_introduction, EndReason.active.desc(), EndReason.sort_order, EndReason.code
            )
        )
    )


def next_sort_order(session: Session, model: type[RejectionReason] | type[EndReason]) -> int:
    """Where a new reason goes: after the last one."""
    highest = session.scalar(select(model.sort_order).order_by(model.sort_order.desc()).limit(1))
    return min(MAX_SORT_ORDER, (highest or 0) + 1)


def rejection_reason_snapshot(reason: RejectionReason) -> dict[str, Any]:
    return _snapshot(reason, REJECTION_REASON_COLUMNS)


def end_reason_snapshot(reason: EndReason) -> dict[str, Any]:
    return _snapshot(reason, END_REASON_COLUMNS)


def rejection_reason_problems(session: Session, data: RejectionReasonInput, *, new: bool) -> list[FieldError]:
    """Every mistake in a reason to reject; for a ``new`` one also a code that is taken."""
    problems = _label_problems(session, RejectionReason, data.label, data.label_en, new=new)
    if data.exclusion_days is not None and not 1 <= data.exclusion_days <= MAX_EXCLUSION_DAYS:
        problems.append(FieldError("exclusion_days", _("Vul een aantal dagen van 1 tot en met 3650 in.")))
    return problems + _sort_order_problems(data.sort_order)


def end_reason_problems(session: Session, data: EndReasonInput, *, new: bool) -> list[FieldError]:
    """Every mistake in a reason to end; for a ``new`` one also a code that is taken."""
    problems = _label_problems(session, EndReason, data.label, data.label_en, new=new)
    return problems + _sort_order_problems(data.sort_order)


def create_rejection_reason(session: Session, actor: User, data: RejectionReasonInput) -> RejectionReason:
    """A new reason to reject a proposal, its code derived from the Dutch label."""
    problems = rejection_reason_problems(session, data, new=True)
    if problems:
        raise problems[0]
    code = reason_code_for(data.label)
    reason = RejectionReason(code=code, **data.as_columns())
    session.add(reason)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.REJECTION_REASON_CREATED,
        AuditSubject.REJECTION_REASON,
        None,
        code=code,
        fields=list(data.as_columns()),
        **without_text(data.as_columns()),
    )
    return reason


def update_rejection_reason(
    session: Session, actor: User, code: str, data: RejectionReasonInput, shown: Mapping[str, Any]
) -> list[str]:
    """Change a reason to reject (never its code); rejections already made keep their own end date."""
    reason = session.get(RejectionReason, code)
    if reason is None:
        raise NotFound(_("Deze reden bestaat niet."))
    problems = rejection_reason_problems(session, data, new=False)
    if problems:
        raise problems[0]
    old = rejection_reason_snapshot(reason)
    if not _same(shown, old):
        raise Conflict(changed_meanwhile_message())
    changes = _changes(old, data.as_columns())
    if changes:
        values = {name: change["to"] for name, change in changes.items()}
        _write_if_unchanged(session, RejectionReason, RejectionReason.code, code, old, values)
        session.refresh(reason)
        audit.record(
            session,
            actor,
            AuditAction.REJECTION_REASON_CHANGED,
            AuditSubject.REJECTION_REASON,
            None,
            code=code,
            fields=list(changes),
            changes=without_text(changes),
        )
    return list(changes)


def create_end_reason(session: Session, actor: User, data: EndReasonInput) -> EndReason:
    """A new reason to end a match, its code derived from the Dutch label; never one of the introduction's."""
    problems = end_reason_problems(session, data, new=True)
    if problems:
        raise problems[0]
    code = reason_code_for(data.label)
    reason = EndReason(code=code, for_introduction=False, **data.as_columns())
    session.add(reason)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.END_REASON_CREATED,
        AuditSubject.END_REASON,
        None,
        code=code,
        fields=list(data.as_columns()),
        **without_text(data.as_columns()),
    )
    return reason


def update_end_reason(
    session: Session, actor: User, code: str, data: EndReasonInput, shown: Mapping[str, Any]
) -> list[str]:
    """Change a reason to end a match (never its code, never one the introduction uses)."""
    reason = session.get(EndReason, code)
    if reason is None:
        raise NotFound(_("Deze reden bestaat niet."))
    if is_fixed(reason):
        raise Conflict(fixed_reason_message())
    problems = end_reason_problems(session, data, new=False)
    if problems:
        raise problems[0]
    old = end_reason_snapshot(reason)
    if not _same(shown, old):
        raise Conflict(changed_meanwhile_message())
    changes = _changes(old, data.as_columns())
    if changes:
        values = {name: change["to"] for name, change in changes.items()}
        # The extra condition keeps the introduction's reasons fixed even if one were marked so meanwhile.
        _write_if_unchanged(session, EndReason, EndReason.code, code, {**old, "for_introduction": False}, values)
        session.refresh(reason)
        audit.record(
            session,
            actor,
            AuditAction.END_REASON_CHANGED,
            AuditSubject.END_REASON,
            None,
            code=code,
            fields=list(changes),
            changes=without_text(changes),
        )
    return list(changes)


def changed_meanwhile_message() -> str:
    return _("Iemand anders heeft dit gewijzigd nadat u het formulier opende. Er is niets opgeslagen.")


def fixed_reason_message() -> str:
    return _(
        "De kennismaking gebruikt deze reden zelf. Ze ligt daarom vast: u kunt haar niet wijzigen of uitzetten, "
        "en ze wordt niet aangeboden bij het beëindigen van een koppeling."
    )


def code_taken_message(code: str) -> str:
    return _(
        "Deze omschrijving geeft de code '%(code)s', en die is al in gebruik. Kies een andere omschrijving.",
        code=code,
    )


# -- helpers --------------------------------------------------------------------------------------------------


def _snapshot(row: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in columns}


def _same(shown: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether the values a form showed are still the stored ones (a missing or extra value counts as changed)."""
    return set(shown) == set(stored) and all(shown[name] == value for name, value in stored.items())


def _changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: {"from": old[name], "to": value} for name, value in new.items() if old[name] != value}


def _write_if_unchanged(
    session: Session, model: type[Any], key_column: Any, key: str, old: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    """One UPDATE that only matches while the row still holds ``old``: the compare and the write are one step, so
    two admins saving the same row at once cannot both win."""
    unchanged = [getattr(model, name).is_not_distinct_from(value) for name, value in old.items()]
    result = session.execute(
        update(model).where(key_column == key, *unchanged).values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(changed_meanwhile_message())


def _label_problems(
    session: Session, model: type[RejectionReason] | type[EndReason], label: str, label_en: str, *, new: bool
) -> list[FieldError]:
    problems = []
    code = reason_code_for(label)
    if not label.strip():
        problems.append(FieldError("label", _("Vul de omschrijving in het Nederlands in.")))
    elif len(label.strip()) > MAX_LABEL_LENGTH:
        problems.append(FieldError("label", _("Maximaal 120 tekens.")))
    elif not code:
        problems.append(FieldError("label", _("Gebruik in de omschrijving ten minste één letter of cijfer.")))
    elif new and (code in RESERVED_CODES or session.get(model, code) is not None):
        problems.append(FieldError("label", code_taken_message(code)))
    if len(label_en.strip()) > MAX_LABEL_LENGTH:
        problems.append(FieldError("label_en", _("Maximaal 120 tekens.")))
    return problems


def _sort_order_problems(sort_order: int) -> list[FieldError]:
    if not 0 <= sort_order <= MAX_SORT_ORDER:
        return [FieldError("sort_order", _("Vul een getal van 0 tot en met 999 in."))]
    return []
