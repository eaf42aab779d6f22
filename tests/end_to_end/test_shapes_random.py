"""Random shapes: any set of optional columns dropped and any subset of rows kept still give a report
with clean text, and the chapters whose inputs the shape left alone keep their numbers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.end_to_end.conftest import assert_unchanged_where_inputs_are, check_html
from tests.end_to_end.test_shapes_columns import OPTIONAL

pytestmark = pytest.mark.slow


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(dropped=st.sets(st.sampled_from(OPTIONAL), max_size=6),
       kept=st.dictionaries(st.sampled_from(["dispatches", "sales", "contracts", "customers"]),
                            st.floats(0.2, 1.0), max_size=2),
       seed=st.integers(0, 2**16))
def test_random_columns_and_rows_dropped(shapes, full, dropped, kept, seed):
    files = {}
    for name, (table, frame) in shapes.exports.items():
        frame = frame.drop(columns=[c for t, c in dropped if t == table], errors="ignore")
        if table in kept:
            frame = frame.sample(frac=kept[table], random_state=seed).sort_index()
        files[name] = (table, frame)
    shape = shapes.render(files)
    check_html(shape)
    assert_unchanged_where_inputs_are(shape, full)
