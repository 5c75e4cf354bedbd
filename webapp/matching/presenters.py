"""The facts behind a pair, said in Dutch for the matching pages: data in, short sentences out (no HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from flask_babel import format_percent, ngettext
from flask_babel import gettext as _

from webapp import catalogue
from webapp.reasons import join_words
from webapp.templating import km


class PairFacts(Protocol):
    """What a stored proposal and an engine proposal both carry."""

    distance_km: float
    shared_interests: Sequence[str]
    shared_slots: Sequence[str]
    shared_languages: Sequence[str]
    waiting_days: int


def score_percent(score: float) -> str:
    """0.823 -> '82%'."""
    return format_percent(max(0.0, min(1.0, score)), format="#,##0%")


@dataclass(frozen=True)
class Fact:
    """One line of explanation; ``kind`` lets a template give it an icon or a style."""

    kind: str
    text: str


def pair_facts(p: PairFacts) -> list[Fact]:
    """Why this pair fits, in Dutch: distance, shared interests, shared moments, language, waiting time."""
    if p.distance_km < 0.05:  # one point per PC4 area: the same area, not the same street
        facts = [Fact("distance", _("wonen in hetzelfde postcodegebied"))]
    else:
        facts = [Fact("distance", _("%(distance)s van elkaar", distance=km(p.distance_km)))]
    if p.shared_interests:
        interests = ", ".join(catalogue.label(catalogue.INTERESTS, c) for c in p.shared_interests)
        facts.append(Fact("interests", _("samen: %(interests)s", interests=interests)))
    else:
        facts.append(Fact("interests", _("geen gedeelde interesses")))
    if p.shared_slots:
        facts.append(
            Fact(
                "slots", _("beiden kunnen %(slots)s", slots=join_words(catalogue.slot_label(s) for s in p.shared_slots))
            )
        )
    if p.shared_languages:
        languages = join_words(catalogue.label(catalogue.LANGUAGES, c) for c in p.shared_languages)
        facts.append(Fact("languages", _("spreken allebei %(languages)s", languages=languages)))
    facts.append(Fact("waiting", waiting_text(p.waiting_days)))
    return facts


def waiting_text(days: int) -> str:
    if days <= 0:
        return _("staat sinds vandaag op de wachtlijst")
    return ngettext("wacht al %(num)d dag", "wacht al %(num)d dagen", days)
