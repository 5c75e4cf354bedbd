"""The De Jong Gierveld loneliness scale, 11 items, as the GGD monitor uses it: the statements and the scoring.

A pure module (no Flask, no database): ``score_djg11`` turns 11 answers into the scores and the category.

- Sources: the scale, De Jong Gierveld, J. & Kamphuis, F. (1985), "The development of a Rasch-type loneliness
  scale", Applied Psychological Measurement 9(3), 289-299; the cut-offs of the categories, Van Tilburg, T. & De
  Jong Gierveld, J. (1999), "Cesuurbepaling van de eenzaamheidsschaal", Tijdschrift voor Gerontologie en
  Geriatrie 30, 158-163.
- Scoring: the emotional items (2, 3, 5, 6, 9, 10; 0-6) count 1 for "ja" or "min of meer"; the social items
  (1, 4, 7, 8, 11; 0-5) count 1 for "nee" or "min of meer"; the total (0-11) is their sum. Categories: niet eenzaam
  0-2, matig eenzaam 3-8, ernstig eenzaam 9-10, zeer ernstig eenzaam 11.
- A missing answer ("wil/weet niet", stored as None) is never imputed: a subscale with a missing item has no score,
  and the total and the category need all 11. ``missing`` says how many are missing.
- The 6-item short version has other bands; its scores must never be mixed with these (hence ``INSTRUMENT_VERSION``
  on every stored measurement).

It is a group-level monitor, not a diagnosis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from webapp.enums import DjgAnswer, LonelinessCategory

INSTRUMENT_VERSION = "djg11-nl-ggd-1"
ITEM_COUNT = 11

#: The lead-in and the 11 statements, in the order of the GGD's questionnaire (Dutch: the instrument's own words).
LEAD_IN = (
    "Wilt u van elk van de volgende uitspraken aangeven in hoeverre die op u, zoals u de laatste tijd bent, "
    "van toepassing is?"
)
STATEMENTS = (
    "Er is altijd wel iemand in mijn omgeving bij wie ik met mijn dagelijkse probleempjes terecht kan.",
    "Ik mis een echt goede vriend of vriendin.",
    "Ik ervaar een leegte om me heen.",
    "Er zijn genoeg mensen op wie ik in geval van narigheid kan terugvallen.",
    "Ik mis gezelligheid om me heen.",
    "Ik vind mijn kring van kennissen te beperkt.",
    "Ik heb veel mensen op wie ik volledig kan vertrouwen.",
    "Er zijn voldoende mensen met wie ik me nauw verbonden voel.",
    "Ik mis mensen om me heen.",
    "Vaak voel ik me in de steek gelaten.",
    "Wanneer ik daar behoefte aan heb, kan ik altijd bij mijn vrienden terecht.",
)
#: Item numbers (1-based) of the two subscales.
EMOTIONAL_ITEMS = (2, 3, 5, 6, 9, 10)
SOCIAL_ITEMS = (1, 4, 7, 8, 11)

_LONELY_ANSWERS = {
    "emotional": frozenset({DjgAnswer.JA, DjgAnswer.MIN_OF_MEER}),
    "social": frozenset({DjgAnswer.NEE, DjgAnswer.MIN_OF_MEER}),
}
#: "Matig tot zeer ernstig eenzaam" and "(zeer) ernstig eenzaam", as the targets and the GGD monitor count them.
MODERATE_OR_WORSE = 3
SEVERE_OR_WORSE = 9


@dataclass(frozen=True)
class DjgScore:
    """The scores of one measurement; ``None`` where an item that score needs is missing."""

    total: int | None
    emotional: int | None
    social: int | None
    missing: int
    category: LonelinessCategory | None


def category_of(total: int) -> LonelinessCategory:
    """The category of a total score (0-11)."""
    if not 0 <= total <= ITEM_COUNT:
        raise ValueError(f"a total score is 0-11, not {total}")
    if total <= 2:
        return LonelinessCategory.NIET
    if total <= 8:
        return LonelinessCategory.MATIG
    if total <= 10:
        return LonelinessCategory.ERNSTIG
    return LonelinessCategory.ZEER_ERNSTIG


def _answer(value: object, item: int) -> DjgAnswer | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return DjgAnswer(value)
        except ValueError:
            pass
    raise ValueError(f"item {item}: the answer is 'ja', 'min of meer', 'nee' or None (missing), not {value!r}")


def _subscale(answers: Sequence[DjgAnswer | None], items: tuple[int, ...], kind: str) -> int | None:
    chosen = [answers[item - 1] for item in items]
    if any(answer is None for answer in chosen):
        return None
    return sum(1 for answer in chosen if answer in _LONELY_ANSWERS[kind])


def score_djg11(answers: Sequence[str | None]) -> DjgScore:
    """Score 11 answers in item order, each "ja", "min of meer", "nee" or None (missing); anything else (another
    length, an unknown answer, a non-sequence) raises ``ValueError``."""
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise ValueError("the answers are a sequence of 11 values in item order")
    if len(answers) != ITEM_COUNT:
        raise ValueError(f"the De Jong Gierveld scale has {ITEM_COUNT} items, not {len(answers)}")
    parsed = [_answer(value, number) for number, value in enumerate(answers, start=1)]
    emotional = _subscale(parsed, EMOTIONAL_ITEMS, "emotional")
    social = _subscale(parsed, SOCIAL_ITEMS, "social")
    total = emotional + social if emotional is not None and social is not None else None
    return DjgScore(
        total=total,
        emotional=emotional,
        social=social,
        missing=sum(1 for answer in parsed if answer is None),
        category=category_of(total) if total is not None else None,
    )
