"""The report's default period: the latest complete quarter the data measure, in every table given."""

import pandas as pd
import pytest

from pipeline.errors import PipelineError
from pipeline.report.chapter import default_period, resolve_period

RUN = "2026-11-29"


def tables(dispatches=(), sales=()):
    return {"dispatches": pd.DataFrame({"reported_at": pd.to_datetime(list(dispatches))}),
            "sales": pd.DataFrame({"order_date": pd.to_datetime(list(sales))})}


def test_the_quarter_where_both_tables_still_have_data():
    data = tables(dispatches=["2008-01-05", "2008-12-29"], sales=["2008-02-01", "2008-11-01", "2009-12-31"])
    assert default_period(data, RUN).label == "2008Q4"


def test_an_export_that_stops_weeks_before_the_quarter_ends_gives_the_quarter_before():
    assert default_period(tables(sales=["2011-07-02", "2011-12-09"]), RUN).label == "2011Q3"


def test_data_shorter_than_a_complete_quarter_give_the_quarter_they_end_in():
    assert default_period(tables(dispatches=["2009-08-19"]), RUN).label == "2009Q3"


def test_no_dated_rows_and_a_period_outside_the_data_are_clear_errors():
    with pytest.raises(PipelineError, match="holds no dated dispatches or sales"):
        default_period(tables(), RUN)
    with pytest.raises(PipelineError, match=r"period 2015Q1 is outside the data: sales cover 2011-07-02 to "
                                            r"2011-12-09"):
        resolve_period(tables(sales=["2011-07-02", "2011-12-09"]), "2015Q1", run_date=RUN)
