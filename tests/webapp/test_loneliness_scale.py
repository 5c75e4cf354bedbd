"""The De Jong Gierveld scale's scoring, item by item and on every edge (webapp.loneliness is pure: no app needed)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.loneliness import (
    EMOTIONAL_ITEMS,
    SOCIAL_ITEMS,
    STATEMENTS,
    category_of,
    score_djg11,
)

JA, MOM, NEE = "ja", "min of meer", "nee"
NOT_LONELY = {item: (NEE if item in EMOTIONAL_ITEMS else JA) for item in range(1, 12)}
LONELY = {item: (JA if item in EMOTIONAL_ITEMS else NEE) for item in range(1, 12)}


def answers(**by_item: str | None) -> list[str | None]:
    """Not lonely on every item, except the items given as ``i<number>=answer``."""
    chosen = dict(NOT_LONELY)
    for key, value in by_item.items():
        chosen[int(key[1:])] = value
    return [chosen[item] for item in range(1, 12)]


def test_the_subscales_split_the_eleven_items() -> None:
    assert sorted(EMOTIONAL_ITEMS + SOCIAL_ITEMS) == list(range(1, 12))
    assert EMOTIONAL_ITEMS == (2, 3, 5, 6, 9, 10)
    assert len(STATEMENTS) == 11
    assert STATEMENTS[1] == "Ik mis een echt goede vriend of vriendin."


def test_nobody_lonely_scores_zero() -> None:
    score = score_djg11(answers())
    assert (score.total, score.emotional, score.social, score.missing, score.category) == (0, 0, 0, 0, "niet eenzaam")


def test_everybody_lonely_scores_eleven() -> None:
    score = score_djg11([LONELY[item] for item in range(1, 12)])
    assert (score.total, score.emotional, score.social, score.category) == (11, 6, 5, "zeer ernstig eenzaam")


@pytest.mark.parametrize("item", EMOTIONAL_ITEMS)
@pytest.mark.parametrize(("answer", "points"), [(JA, 1), (MOM, 1), (NEE, 0)])
def test_an_emotional_item_counts_for_ja_and_min_of_meer(item: int, answer: str, points: int) -> None:
    score = score_djg11(answers(**{f"i{item}": answer}))
    assert (score.emotional, score.social, score.total) == (points, 0, points)


@pytest.mark.parametrize("item", SOCIAL_ITEMS)
@pytest.mark.parametrize(("answer", "points"), [(NEE, 1), (MOM, 1), (JA, 0)])
def test_a_social_item_counts_for_nee_and_min_of_meer(item: int, answer: str, points: int) -> None:
    score = score_djg11(answers(**{f"i{item}": answer}))
    assert (score.emotional, score.social, score.total) == (0, points, points)


@pytest.mark.parametrize(
    ("total", "category"),
    [
        (0, "niet eenzaam"),
        (2, "niet eenzaam"),
        (3, "matig eenzaam"),
        (8, "matig eenzaam"),
        (9, "ernstig eenzaam"),
        (10, "ernstig eenzaam"),
        (11, "zeer ernstig eenzaam"),
    ],
)
def test_every_category_boundary(total: int, category: str) -> None:
    lonely_items = list(range(1, 12))[:total]
    score = score_djg11(answers(**{f"i{item}": LONELY[item] for item in lonely_items}))
    assert score.total == total
    assert score.category == category
    assert category_of(total) == category


def test_one_missing_emotional_item_leaves_no_total_but_the_social_score() -> None:
    score = score_djg11(answers(i3=None, i1=NEE))
    assert (score.total, score.emotional, score.social, score.missing, score.category) == (None, None, 1, 1, None)


def test_one_missing_social_item_leaves_no_total_but_the_emotional_score() -> None:
    score = score_djg11(answers(i11=None, i2=JA))
    assert (score.total, score.emotional, score.social, score.missing, score.category) == (None, 1, None, 1, None)


def test_all_missing() -> None:
    score = score_djg11([None] * 11)
    assert (score.total, score.emotional, score.social, score.missing, score.category) == (None, None, None, 11, None)


@pytest.mark.parametrize(
    "bad",
    [
        [],
        [JA] * 10,
        [JA] * 12,
        [JA] * 10 + ["Ja"],
        [JA] * 10 + ["weet niet"],
        [JA] * 10 + [1],
        [JA] * 10 + [True],
        "ja" * 11,
        None,
        42,
    ],
)
def test_anything_else_raises_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match=r"answer|items"):
        score_djg11(bad)  # type: ignore[arg-type]


@given(st.lists(st.sampled_from([JA, MOM, NEE, None]), min_size=11, max_size=11))
def test_the_scores_add_up_and_nothing_is_imputed(given_answers: list[str | None]) -> None:
    score = score_djg11(given_answers)
    assert score.missing == given_answers.count(None)
    if score.missing == 0:
        assert score.total == score.emotional + score.social
        assert score.category == category_of(score.total)
    else:
        assert score.total is None
        assert score.category is None


def test_every_complete_answer_pattern_of_one_subscale_is_counted() -> None:
    for pattern in itertools.product([JA, MOM, NEE], repeat=len(SOCIAL_ITEMS)):
        chosen = answers(**{f"i{item}": answer for item, answer in zip(SOCIAL_ITEMS, pattern, strict=True)})
        assert score_djg11(chosen).social == sum(1 for answer in pattern if answer in (NEE, MOM))
