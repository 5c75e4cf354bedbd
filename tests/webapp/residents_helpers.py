"""Valid form posts for the referral and resident pages (the rows themselves come from tests/webapp/factories.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from webapp.clock import local_today as today
from webapp.models import (
    Resident,
)


def resident_data(**overrides: Any) -> dict[str, Any]:
    """The resident fields of a valid form post."""
    data: dict[str, Any] = {
        "first_name": "Truus",
        "last_name": "van Leeuwen",
        "phone": "070 3901234",
        "email": "",
        "postcode": "2282 ab",
        "address": "",
        "birth_date": "",
        "gender": "",
        "programme": "buddy",
        "interests": ["koffie", "wandelen"],
        "availability": ["tue-afternoon", "thu-morning"],
        "languages": ["nl"],
        "preferred_gender": "",
        "max_distance_km": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def consent_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "consent_by": "persoon",
        "consent_on": (today() - timedelta(days=1)).isoformat(),
        "consent_method": "mondeling",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def referral_post(**overrides: Any) -> dict[str, Any]:
    """A valid referral form post; pass ``field=None`` to leave a field out."""
    data = {
        **resident_data(),
        **consent_data(),
        "reason": "Weinig contacten sinds het overlijden van haar man.",
        "consent_confirmed": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def intake_post(**overrides: Any) -> dict[str, Any]:
    """A valid coordinator intake form post."""
    data = {
        **resident_data(first_name="Henk", last_name="Bakker"),
        **consent_data(),
        "intake_on": today().isoformat(),
        "notes": "Belt liever na de middag.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_post(resident: Resident, **overrides: Any) -> dict[str, Any]:
    """The edit form as a coordinator would post it without changes."""
    from webapp.residents.forms import resident_form_data

    data = resident_form_data(resident)
    data["birth_date"] = resident.birth_date.isoformat() if resident.birth_date else ""
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
