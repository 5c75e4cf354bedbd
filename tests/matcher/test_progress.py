"""The progress callback of propose_matches: which stages it reports, in which order, and what it leaves alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from matcher import propose_matches
from matcher.engine import PROGRESS_STAGES
from tests.matcher.strategies import PROPERTY_SETTINGS, Instance, medium_instances, random_instance


def _run_with_progress(instance: Instance, **tuning: int) -> tuple[list[tuple[str, float | None]], int]:
    calls: list[tuple[str, float | None]] = []
    result = propose_matches(
        instance.volunteers,
        instance.residents,
        instance.rules,
        progress=lambda stage, fraction: calls.append((stage, fraction)),
        **tuning,
    )
    return calls, result.stats.certificate_rounds


@settings(PROPERTY_SETTINGS, max_examples=20)
@given(medium_instances())
def test_stages_come_in_order_with_growing_scoring_fractions(instance: Instance) -> None:
    calls, _ = _run_with_progress(instance, candidates_per_resident=1)

    stages = [stage for stage, _ in calls]
    assert set(stages) <= set(PROGRESS_STAGES)
    assert stages == sorted(stages, key=PROGRESS_STAGES.index)
    fractions = [fraction for stage, fraction in calls if stage == "scoring"]
    assert all(fraction is not None and 0 < fraction <= 1 for fraction in fractions)
    assert fractions == sorted(fractions)
    assert all(fraction is None for stage, fraction in calls if stage != "scoring")


@settings(PROPERTY_SETTINGS, max_examples=20)
@given(medium_instances())
def test_each_solve_after_the_first_follows_a_certificate_round(instance: Instance) -> None:
    calls, rounds = _run_with_progress(instance, candidates_per_resident=1)

    certificate_rounds = sum(stage == "certificate" for stage, _ in calls)
    if any(stage == "solving" for stage, _ in calls):
        # The last certificate round finds nothing to add and starts no solve.
        assert certificate_rounds in (rounds - 1, rounds)


def test_a_run_with_pairs_reports_every_stage() -> None:
    instance = next(
        i
        for i in (random_instance(seed, residents=(20, 40), volunteers=(10, 20)) for seed in range(50))
        if propose_matches(i.volunteers, i.residents, i.rules, candidates_per_resident=1).stats.certificate_rounds > 1
    )
    calls, _ = _run_with_progress(instance, candidates_per_resident=1)

    assert {stage for stage, _ in calls} == set(PROGRESS_STAGES)
    assert ("solving", None) in calls


@pytest.mark.parametrize("seed", range(5))
def test_progress_changes_nothing_in_the_result(seed: int) -> None:
    instance = random_instance(seed, residents=(20, 40), volunteers=(10, 20))
    plain = propose_matches(instance.volunteers, instance.residents, instance.rules)
    reported = propose_matches(instance.volunteers, instance.residents, instance.rules, progress=lambda *_: None)

    assert reported == plain
