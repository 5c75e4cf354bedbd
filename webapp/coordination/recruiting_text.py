"""Wie zoeken we?, said in Dutch: areas, profiles and what one new volunteer would change (no HTML)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from webapp import catalogue
from webapp.postcodes import pc4_areas
from webapp.reasons import join_words
from webapp.services.recruiting import Profile


def area_label(pc4: str) -> str:
    """'2284' -> '2284 Rijswijk' (the place of the PC4 area; the table has no neighbourhood names)."""
    area = pc4_areas().get(pc4)
    return f"{pc4} {area.place}" if area is not None else pc4


def profile_text(profile: Profile) -> str:
    """'Een vrijwilliger in 2284 Rijswijk die op dinsdagmiddag kan en Turks spreekt, voor Maatje (buddy)'."""
    slots = join_words(catalogue.slot_label(slot) for slot in profile.slots)
    programme = catalogue.label(catalogue.PROGRAMMES, profile.programme)
    who = (
        _("Een vrijwilliger (%(gender)s)", gender=catalogue.label(catalogue.GENDERS, profile.gender))
        if profile.gender
        else _("Een vrijwilliger")
    )
    if profile.language:
        return _(
            "%(who)s in %(area)s die op %(slots)s kan en %(language)s spreekt, voor %(programme)s",
            who=who,
            area=area_label(profile.pc4),
            slots=slots,
            language=catalogue.label(catalogue.LANGUAGES, profile.language),
            programme=programme,
        )
    return _(
        "%(who)s in %(area)s die op %(slots)s kan, voor %(programme)s",
        who=who,
        area=area_label(profile.pc4),
        slots=slots,
        programme=programme,
    )


def gain_text(matched_gain: int, unblocked: int) -> str:
    """'1 bewoner meer gekoppeld; 3 bewoners zonder passende vrijwilliger hebben er dan een'."""
    matched = ngettext("%(num)d bewoner meer gekoppeld", "%(num)d bewoners meer gekoppeld", matched_gain)
    found = ngettext(
        "%(num)d bewoner zonder passende vrijwilliger heeft er dan een",
        "%(num)d bewoners zonder passende vrijwilliger hebben er dan een",
        unblocked,
    )
    return _("%(matched)s; %(found)s", matched=matched, found=found)


def helpers() -> dict[str, Any]:
    """What the template needs besides the figures."""
    return {
        "area_label": area_label,
        "profile_text": profile_text,
        "gain_text": gain_text,
        "language_label": lambda code: catalogue.label(catalogue.LANGUAGES, code),
    }
