"""The engine against the brute-force oracle on a thousand seeded small instances.

Every instance is solved once by the oracle and three times by the engine: with the default
candidate lists, with one candidate per resident and no volunteers' lists, and with two per resident
and per unit of capacity; the small lists push most pairs through the optimality certificate. Each
test below checks one promise over all of them and lists the seeds that break it, so a failure names
instances that can be replayed with ``random_instance(seed)``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import asdict, dataclass, replace

import pytest

from matcher import (
    MatchResult,
    MatchRules,
    Reason,
    ReasonCode,
    Resident,
    Rule,
    ScoreComponents,
    Volunteer,
    propose_matches,
)
from tests.matcher import oracle
from tests.matcher.strategies import Instance, is_clear_of_boundaries, random_instance

SEEDS = range(1000)
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Case:
    seed: int
    instance: Instance
    oracle_matched: int
    oracle_total: float
    result: MatchResult
    result_by_k: dict[int, MatchResult]  # candidates_per_resident -> result

    def volunteer(self, volunteer_id: Hashable) -> Volunteer:
        return next(v for v in self.instance.volunteers if v.id == volunteer_id)

    def resident(self, resident_id: Hashable) -> Resident:
        return next(r for r in self.instance.residents if r.id == resident_id)


def solve(seed: int) -> Case:
    instance = random_instance(seed)
    volunteers, residents, rules = instance.volunteers, instance.residents, instance.rules
    matched, total, _ = oracle.best_assignment(volunteers, residents, rules)
    return Case(
        seed=seed,
        instance=instance,
        oracle_matched=matched,
        oracle_total=total,
        result=propose_matches(volunteers, residents, rules),
        # k = 1 without volunteers' lists pushes the most pairs through the certificate.
        result_by_k={
            1: propose_matches(volunteers, residents, rules, candidates_per_resident=1, candidates_per_volunteer=0),
            2: propose_matches(volunteers, residents, rules, candidates_per_resident=2),
        },
    )


@pytest.fixture(scope="module")
def all_cases() -> list[Case]:
    return [solve(seed) for seed in SEEDS]


@pytest.fixture(scope="module")
def cases(all_cases: list[Case]) -> list[Case]:
    """The instances with no pair within rounding of a limit, where the README's answer is unambiguous."""
    return [case for case in all_cases if is_clear_of_boundaries(case.instance)]


def readme_components(v: Volunteer, r: Resident, rules: MatchRules) -> ScoreComponents:
    """The README's table of score components, written out independently of the engine."""

    def share(a: frozenset[str], b: frozenset[str]) -> float:
        return len(a & b) / min(len(a), len(b)) if a and b else 0.0

    return ScoreComponents(
        distance=1 - oracle.haversine(v.lat, v.lon, r.lat, r.lon) / oracle.limit_km(v, r, rules),
        interests=share(v.interests, r.interests),
        availability=share(v.availability, r.availability),
        waiting=min(r.waiting_days / rules.waiting_horizon_days, 1.0),
    )


def expected_reasons(case: Case, r: Resident) -> dict[ReasonCode, int]:
    """Per README: volunteers counted by the first rule they fail; the feasible ones went elsewhere."""
    if not case.instance.volunteers:
        return {ReasonCode.NO_VOLUNTEERS: 0}
    first_failed = Counter(oracle.first_failed_rule(v, r, case.instance.rules) for v in case.instance.volunteers)
    return {
        ReasonCode.ASSIGNED_ELSEWHERE if rule is None else ReasonCode.blocked_by(rule): count
        for rule, count in first_failed.items()
    }


def report(failures: list[str]) -> str:
    return f"{len(failures)} failures, e.g.:\n" + "\n".join(failures[:8])


def test_almost_all_instances_are_clear_of_rounding_boundaries(all_cases: list[Case], cases: list[Case]) -> None:
    assert len(cases) >= 0.99 * len(all_cases)


def test_the_instances_exercise_every_rule_and_reason(cases: list[Case]) -> None:
    rules_seen = {
        oracle.first_failed_rule(v, r, case.instance.rules)
        for case in cases
        for v in case.instance.volunteers
        for r in case.instance.residents
    }
    reasons_seen = {reason.code for case in cases for u in case.result.unmatched for reason in u.reasons}

    assert rules_seen == {None, *Rule}
    assert reasons_seen == set(ReasonCode)


def test_the_instances_exercise_programme_rules(cases: list[Case]) -> None:
    """Programme rules change verdicts and scores in many instances, and unblock pairs beyond the run's limit."""
    changed_verdict, changed_score, beyond_the_run = set(), set(), set()
    for c in cases:
        rules = c.instance.rules
        run_rules = replace(rules, programme_rules={})
        for v in c.instance.volunteers:
            for r in c.instance.residents:
                verdict, run_verdict = oracle.first_failed_rule(v, r, rules), oracle.first_failed_rule(v, r, run_rules)
                if verdict != run_verdict:
                    changed_verdict.add(c.seed)
                if verdict is None and run_verdict is Rule.DISTANCE:
                    beyond_the_run.add(c.seed)
                if (
                    verdict is None
                    and run_verdict is None
                    and oracle.score(v, r, rules) != oracle.score(v, r, run_rules)
                ):
                    changed_score.add(c.seed)

    assert len(changed_verdict) >= 100
    assert len(changed_score) >= 50
    assert len(beyond_the_run) >= 10


def test_matches_as_many_residents_as_the_brute_force_optimum(cases: list[Case]) -> None:
    failures = [
        f"seed {c.seed}: engine matched {c.result.stats.matched}, oracle {c.oracle_matched}"
        for c in cases
        if c.result.stats.matched != c.oracle_matched
    ]

    assert not failures, report(failures)


def test_total_score_equals_the_brute_force_optimum(cases: list[Case]) -> None:
    failures = [
        f"seed {c.seed}: engine total {c.result.stats.total_score!r}, oracle {c.oracle_total!r}"
        for c in cases
        if abs(c.result.stats.total_score - c.oracle_total) > TOLERANCE
    ]

    assert not failures, report(failures)


def test_every_proposal_is_feasible_by_the_readme_rules(cases: list[Case]) -> None:
    failures = []
    for c in cases:
        for p in c.result.proposals:
            rule = oracle.first_failed_rule(c.volunteer(p.volunteer_id), c.resident(p.resident_id), c.instance.rules)
            if rule is not None:
                failures.append(f"seed {c.seed}: {p.volunteer_id}-{p.resident_id} breaks {rule}")

    assert not failures, report(failures)


def test_proposal_scores_follow_the_readme_formula(cases: list[Case]) -> None:
    failures = []
    for c in cases:
        for p in c.result.proposals:
            expected = oracle.score(c.volunteer(p.volunteer_id), c.resident(p.resident_id), c.instance.rules)
            if abs(p.score - expected) > TOLERANCE:
                failures.append(f"seed {c.seed}: {p.volunteer_id}-{p.resident_id} scored {p.score!r}, not {expected!r}")

    assert not failures, report(failures)


def test_proposal_limit_is_the_readme_d(cases: list[Case]) -> None:
    failures = []
    for c in cases:
        for p in c.result.proposals:
            expected = oracle.limit_km(c.volunteer(p.volunteer_id), c.resident(p.resident_id), c.instance.rules)
            if p.max_distance_km != expected:
                failures.append(
                    f"seed {c.seed}: {p.volunteer_id}-{p.resident_id} has D {p.max_distance_km!r}, not {expected!r}"
                )

    assert not failures, report(failures)


def test_proposal_components_follow_the_readme_table(cases: list[Case]) -> None:
    failures = []
    for c in cases:
        for p in c.result.proposals:
            expected = readme_components(c.volunteer(p.volunteer_id), c.resident(p.resident_id), c.instance.rules)
            if asdict(p.components) != pytest.approx(asdict(expected), abs=TOLERANCE):
                failures.append(f"seed {c.seed}: {p.volunteer_id}-{p.resident_id} has {p.components}, not {expected}")

    assert not failures, report(failures)


@pytest.mark.parametrize("k", [1, 2])
def test_candidates_per_resident_changes_neither_count_nor_total(cases: list[Case], k: int) -> None:
    failures = [
        f"seed {c.seed}: k={k} gives {c.result_by_k[k].stats.matched} / {c.result_by_k[k].stats.total_score!r}, "
        f"default gives {c.result.stats.matched} / {c.result.stats.total_score!r}"
        for c in cases
        if c.result_by_k[k].stats.matched != c.result.stats.matched
        or abs(c.result_by_k[k].stats.total_score - c.result.stats.total_score) > TOLERANCE
    ]

    assert not failures, report(failures)


def test_the_certificate_adds_left_out_pairs_in_some_instances(cases: list[Case]) -> None:
    resolved = [c.seed for c in cases if c.result_by_k[1].stats.certificate_rounds > 1]

    assert len(resolved) >= 5


def test_unmatched_reasons_count_volunteers_by_their_first_failed_rule(cases: list[Case]) -> None:
    failures = []
    for c in cases:
        for u in c.result.unmatched:
            got = Counter({reason.code: reason.volunteers for reason in u.reasons})
            expected = expected_reasons(c, c.resident(u.resident_id))
            if len(u.reasons) != len(got) or dict(got) != expected:
                failures.append(f"seed {c.seed}: {u.resident_id} has {u.reasons}, expected {expected}")

    assert not failures, report(failures)


def test_unmatched_feasible_volunteers_count_matches_the_oracle(cases: list[Case]) -> None:
    failures = []
    for c in cases:
        for u in c.result.unmatched:
            r = c.resident(u.resident_id)
            feasible = sum(oracle.first_failed_rule(v, r, c.instance.rules) is None for v in c.instance.volunteers)
            if u.feasible_volunteers != feasible:
                failures.append(f"seed {c.seed}: {r.id} reports {u.feasible_volunteers} feasible, oracle {feasible}")

    assert not failures, report(failures)


def test_runs_without_volunteers_give_every_resident_no_volunteers(cases: list[Case]) -> None:
    empty_runs = [c for c in cases if not c.instance.volunteers and c.instance.residents]

    assert empty_runs
    for c in empty_runs:
        assert [u.reasons for u in c.result.unmatched] == [(Reason(ReasonCode.NO_VOLUNTEERS, 0),)] * len(
            c.instance.residents
        ), f"seed {c.seed}"
