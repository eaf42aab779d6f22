import pandas as pd
import pytest

from pipeline.analyses.period import latest_complete_quarter, parse_period
from pipeline.errors import PipelineError


def test_period_forms():
    q = parse_period("2024Q3")
    assert (q.start, q.end, q.label) == (pd.Timestamp("2024-07-01"), pd.Timestamp("2024-09-30"), "2024Q3")
    assert parse_period("2024H1").end == pd.Timestamp("2024-06-30")
    assert parse_period("2024-02").end == pd.Timestamp("2024-02-29")
    assert parse_period("2024").label == "2024"
    assert parse_period(start="2024-07-01", end="2024-09-30").end == pd.Timestamp("2024-09-30")
    assert q.previous().label == "2024Q2" and q.year_earlier().label == "2023Q3"
    assert parse_period("2024Q1").previous().label == "2023Q4"


def test_period_contains_whole_last_day():
    q = parse_period("2024Q3")
    s = pd.Series(pd.to_datetime(["2024-06-30 23:59", "2024-07-01 00:00", "2024-09-30 23:00", "2024-10-01 00:00"]))
    assert q.contains(s).tolist() == [False, True, True, False]


@pytest.mark.parametrize("bad", ["2024Q5", "24Q1", "2024-13", "next quarter", "2024Q1; rm -rf /"])
def test_bad_periods_are_refused(bad):
    with pytest.raises(PipelineError):
        parse_period(bad)


def test_latest_complete_quarter():
    assert latest_complete_quarter(pd.Timestamp("2009-12-31")).label == "2009Q4"
    assert latest_complete_quarter(pd.Timestamp("2009-12-30 10:00")).label == "2009Q3"


def test_latest_complete_quarter_as_of_the_run_date():
    # data ending on 30 December: the quarter is over once the run date is past its end
    assert latest_complete_quarter(pd.Timestamp("2009-12-30"), run_date="2026-11-29").label == "2009Q4"
    # data running into the current quarter: that quarter is not complete yet
    assert latest_complete_quarter(pd.Timestamp("2026-11-20"), run_date="2026-11-29").label == "2026Q3"
    # an export that stops three weeks before the quarter ends (UCI Online Retail, 9 December 2011) does not
    # measure that quarter; one whose last row is in its last tenth (from 23 December) does
    assert latest_complete_quarter(pd.Timestamp("2011-12-09 12:50"), run_date="2026-11-29").label == "2011Q3"
    assert latest_complete_quarter(pd.Timestamp("2011-12-23"), run_date="2026-11-29").label == "2011Q4"


def test_month_labels_match_strftime_with_missing_values_and_index_kept():
    import pandas as pd

    from pipeline.analyses.period import month_labels

    s = pd.Series(pd.to_datetime(["2009-01-31 23:59", "1969-12-31 10:00", None, "2024-02-29 00:00"]),
                  index=[5, 6, 7, 8])
    out = month_labels(s)
    assert out.index.tolist() == [5, 6, 7, 8]
    assert out.iloc[[0, 1, 3]].tolist() == ["2009-01", "1969-12", "2024-02"] and pd.isna(out.iloc[2])
    assert out.iloc[[0, 1, 3]].tolist() == s.dt.strftime("%Y-%m").iloc[[0, 1, 3]].tolist()
