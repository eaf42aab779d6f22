"""Free text from outside the taxonomy's field stays UNMAPPED: the MaintNet aircraft logbook (problem
and action texts of an aviation maintenance shop) has no server symptoms or causes, so what the coder
gives a code there is what it would give confidently wrong."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from pipeline.clean.taxonomy import load_taxonomy

LOGBOOK = "maintnet_aircraft_logbook/Aircraft_Annotation_DataFile.csv"


def test_an_aviation_logbook_is_left_unmapped(real_data):
    path = real_data / LOGBOOK
    if not path.exists():
        pytest.skip(f"{path} not found")
    book = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    taxonomy = load_taxonomy()
    problems, actions = book["PROBLEM"].dropna().unique(), book["ACTION"].dropna().unique()
    assert (len(problems), len(actions)) == (3595, 2881)
    coded_problems = sum(taxonomy.code_symptom(t).method != "none" for t in problems)
    coded_actions = sum(taxonomy.code_causes(t).method != "none" for t in actions)
    # measured 2026-12-02: 69 of 3,595 problems (1.9%) and 356 of 2,881 actions (12.4%) coded; before the
    # known-words gate and the maintenance verbs in the filler list, 345 and 1,164
    assert coded_problems <= 0.03 * len(problems)
    assert coded_actions <= 0.15 * len(actions)


@pytest.mark.parametrize("name, suggested", [
    ("servicenow", 0),          # u_symptom declared as the desk's own codes: nothing to suggest
    ("superstore", 0),          # sales only: no dispatches table at all
    ("bpic2013", 0),            # an event log of tickets without free text
])
def test_suggestions_on_real_exports_without_free_text_to_code(real_data, tmp_path, name, suggested):
    """``taxonomy suggest`` on the worked examples: a table missing, or no text column, gives a valid
    file with nothing to accept, not a crash."""
    from pipeline.analyses.taxonomy_suggest import write_suggestions
    from pipeline.clean import clean
    from pipeline.processed import write_processed
    from tests.real.conftest import example_raw

    raw = example_raw(real_data, tmp_path, name)
    write_processed(clean(raw, run_date="2026-11-29"), tmp_path / "processed")
    target, found = write_suggestions(tmp_path / "processed")
    assert len(found) == suggested
    assert yaml.safe_load(target.read_text(encoding="utf-8")) is None        # comments only
    assert "# Coding suggestions" in target.read_text(encoding="utf-8")
