"""However residents are cut into blocks, the run finds the same feasible pairs and the same optimum.

The small instances of the other tests fit in one block; here blocks are forced down to a few residents (and
groups are never merged, or always merged), so the merging of residents' and volunteers' lists across blocks and
the certificate's rounds over many blocks are exercised too.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import candidates, propose_matches
from matcher.candidates import eligible_volunteers, groups_within_reach, residents_asking
from tests.matcher.strategies import PROPERTY_SETTINGS, Instance, medium_instances, scarce_instances
from tests.matcher.test_certificate import _population
from tests.matcher.test_properties import TOLERANCE

INSTANCES = st.one_of(medium_instances(), scarce_instances(40, 80))


@pytest.mark.parametrize(("chunk", "small_block_pairs"), [(3, 0), (5, 400), (1, 10**9)])
@settings(PROPERTY_SETTINGS, max_examples=20)
@given(INSTANCES, st.sampled_from([0, 1, None]))
def test_small_blocks_give_the_same_result(
    chunk: int, small_block_pairs: int, instance: Instance, per_volunteer: int | None
) -> None:
    def run() -> tuple[int, int, float]:
        result = propose_matches(
            instance.volunteers,
            instance.residents,
            instance.rules,
            candidates_per_resident=1,
            candidates_per_volunteer=per_volunteer,
        )
        return result.stats.feasible_pairs, result.stats.matched, result.stats.total_score

    one_block = run()
    with (
        patch.object(candidates, "CHUNK_RESIDENTS", chunk),
        patch.object(candidates, "SMALL_BLOCK_PAIRS", small_block_pairs),
    ):
        many_blocks = run()

    assert many_blocks[:2] == one_block[:2]
    assert many_blocks[2] == pytest.approx(one_block[2], abs=TOLERANCE)


@settings(PROPERTY_SETTINGS, max_examples=20)
@given(INSTANCES, st.sampled_from([0, 300, 10**9]))
def test_groups_cover_each_resident_once_with_every_volunteer_in_reach(instance: Instance, small: int) -> None:
    pop = _population(instance)
    with patch.object(candidates, "CHUNK_RESIDENTS", 4), patch.object(candidates, "SMALL_BLOCK_PAIRS", small):
        for programme in range(len(pop.programmes)):
            rows, cols = residents_asking(pop, programme), eligible_volunteers(pop, programme)
            groups = list(groups_within_reach(pop, rows, cols))
            if len(cols) == 0:
                assert groups == []
                continue
            assert sorted(np.concatenate([g for g, _ in groups]).tolist()) == rows.tolist()
            for group_rows, group_cols in groups:
                assert np.all(np.diff(group_cols) > 0)
                chord = np.linalg.norm(
                    pop.residents.xyz[group_rows][:, None, :] - pop.volunteers.xyz[cols][None, :, :], axis=2
                )
                in_reach = cols[(chord <= pop.residents.reach_chord[group_rows][:, None]).any(axis=0)]
                assert set(in_reach.tolist()) <= set(group_cols.tolist())
