"""The sample without whole tables, cut to a single row, in periods it does not fill, and without the
events a chapter counts: every shape gives a report, or for a period outside the data one clear error."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.analyses.lifecycle import stages
from pipeline.analyses.service import sla
from pipeline.contract import INPUT_TABLES
from pipeline.errors import PipelineError
from tests.end_to_end.conftest import assert_unchanged_where_inputs_are, check_html

pytestmark = pytest.mark.slow
# The sample's dispatch exports that hold dates in 2009 (the thesis's own table 4-1 among them).
DISPATCHES_2009 = ("dispatches_2009.csv", "dispatches_thesis_table_4_1.csv")


def shown(rendered) -> set[str]:
    return set(rendered.sections.loc[rendered.sections["Shown"] == "shown", "Section"])


def explained(rendered) -> dict[str, str]:
    rows = rendered.sections[rendered.sections["Shown"] != "shown"]
    return dict(zip(rows["Section"], rows["Shown"], strict=True))


@pytest.mark.parametrize("table", list(INPUT_TABLES))
def test_the_report_without_a_table(shapes, full, table):
    shape = shapes.render(shapes.without(table))
    check_html(shape)
    if table == "customers":      # the customer table is then made of the names the other tables give
        assert shape.processed["customers"]["tier"].isna().all()
    else:
        assert len(shape.processed[table]) == 0
    compared = assert_unchanged_where_inputs_are(shape, full)
    if table == "dispatches":
        assert "03_customer_value" in compared
        assert "The service chapter" not in shape.text
        assert "This needs the dispatch records export, which the data does not include" in shape.text
        assert not any(name.startswith("sla") for name in shape.tables["02_service"])
    if table == "sales":
        assert compared == ["02_service"]
        assert "This needs the sales lines export, which the data does not include" in shape.text
    if table == "contracts":
        assert "02_service" in compared
        assert any("maintenance contracts export" in why for why in explained(shape).values())


def test_sales_only_and_dispatches_only(shapes, full):
    sales_only = shapes.render(shapes.without(tables=("dispatches", "customers", "contracts")))
    check_html(sales_only)
    assert len(sales_only.processed["sales"]) == len(full.processed["sales"])
    assert sales_only.tables["02_service"] == {}
    # the abstract speaks of what was measured: sales, and that there are no dispatches
    abstract = sales_only.text.split("Contents")[0]
    assert "The data holds no service dispatches for the period." in abstract
    assert "first-time fix" not in abstract.lower() and "breach" not in abstract.lower()

    dispatches_only = shapes.render(shapes.without(tables=("sales", "customers", "contracts")))
    check_html(dispatches_only)
    assert "first_time_fix" in dispatches_only.tables["02_service"]
    assert dispatches_only.tables["03_customer_value"] == {} and dispatches_only.tables["04_lifecycle"] == {}


def test_sales_only_in_chinese(shapes):
    rendered = shapes.render(shapes.without(tables=("dispatches", "customers", "contracts")), lang="zh-Hant")
    check_html(rendered)
    assert "此部分需要派單紀錄匯出檔，但資料中沒有" in rendered.text


def test_one_customer_one_sale_and_one_dispatch(shapes):
    sales = next(iter(shapes.frames("sales").values()))
    last = sales[sales["order_date"].ne("")].tail(1)          # (the sample's export ends with a totals row)
    files = {"sales.csv": ("sales", last)}
    rendered = shapes.render(files, period="")  # the default period: the quarter of that sale
    check_html(rendered)
    assert len(rendered.processed["sales"]) == 1

    dispatches = shapes.frames("dispatches")["dispatches_2009.csv"].tail(1)
    rendered = shapes.render({"dispatches.csv": ("dispatches", dispatches)}, period="")
    check_html(rendered)
    assert len(rendered.processed["dispatches"]) == 1
    ftf = rendered.tables["02_service"]["first_time_fix"]
    assert ftf.loc[ftf["group"] == "all", "dispatches"].tolist() == ["1"]


def test_a_default_period_where_dispatches_end_before_sales(shapes):
    files = {k: v for k, v in shapes.exports.items() if k not in DISPATCHES_2009}
    rendered = shapes.render(files, period="")
    check_html(rendered)
    # the dispatches end in 2008: the latest quarter both tables have data in is 2008Q4
    assert rendered.processed["dispatches"]["reported_at"].max() < pd.Timestamp("2009-01-01")
    assert "This report covers 2008Q4" in rendered.text
    coverage = rendered.tables["01_data_quality"]["coverage"]
    assert coverage.loc[coverage["Table"] == "dispatch records", "To"].item().startswith("2008-12")


def test_a_chosen_period_with_no_dispatches(shapes):
    files = {k: v for k, v in shapes.exports.items() if k not in DISPATCHES_2009}
    rendered = shapes.render(files, period="2009Q4")
    check_html(rendered)
    assert ("There is nothing to report in this chapter for the period. This needs dispatch records in 2009Q4, "
            "and there are none (the export covers 2007-01-18 to 2008-12-") in rendered.text
    assert rendered.tables["02_service"] == {}
    assert "first_time_fix" not in " ".join(rendered.tables["05_conclusions"])


def test_a_period_with_no_decided_contracts(shapes):
    rendered = shapes.render(period="2007Q1")
    check_html(rendered)
    why = explained(rendered)
    assert any("contracts whose renewal was decided" in reason for reason in why.values()), why


def test_a_period_outside_the_data_is_one_clear_error(shapes):
    with pytest.raises(PipelineError, match=r"period 2015Q1 is outside the data: .*2007-01-.*2009-12-"):
        shapes.render(period="2015Q1")


def _no_win_backs(shapes) -> dict:
    """The exports with every purchase and contract after a lapse of more than 300 days removed."""
    files = dict(shapes.exports)
    sales = {k: v.copy() for k, (t, v) in shapes.exports.items() if t == "sales"}
    contracts = {k: v.copy() for k, (t, v) in shapes.exports.items() if t == "contracts"}
    events = []
    for name, frame in sales.items():
        events.append(pd.DataFrame({"file": name, "row": frame.index, "who": frame["customer_id"],
                                    "start": pd.to_datetime(frame["order_date"], format="mixed")}).assign(
            end=lambda e: e["start"]))
    for name, frame in contracts.items():
        events.append(pd.DataFrame({"file": name, "row": frame.index, "who": frame["customer_name"],
                                    "start": pd.to_datetime(frame["start_date"], format="mixed"),
                                    "end": pd.to_datetime(frame["end_date"], format="mixed")}))
    ev = pd.concat(events).sort_values(["who", "start"])
    drop = set()
    for _who, group in ev.groupby("who"):
        cover = None
        for e in group.itertuples():
            if cover is not None and (e.start - cover).days > 300:
                drop |= {(x.file, x.row) for x in group.itertuples() if x.start >= e.start}
                break
            cover = e.end if cover is None else max(cover, e.end)
    for name, frame in {**sales, **contracts}.items():
        keep = [i for i in frame.index if (name, i) not in drop]
        files[name] = (shapes.exports[name][0], frame.loc[keep])
    return files


def test_data_that_never_shows_an_event(shapes, full):
    # no win-backs
    rendered = shapes.render(_no_win_backs(shapes))
    check_html(rendered)
    p = rendered.processed
    assert len(stages.win_backs(p["sales"], p["contracts"], p["dispatches"], as_of=pd.Timestamp("2010-01-01"))) == 0
    assert len(stages.win_backs(full.processed["sales"], full.processed["contracts"], full.processed["dispatches"],
                                as_of=pd.Timestamp("2010-01-01"))) > 0

    # no second visits, no breaches: every dispatch fixed at the first visit, on site when reported
    files = dict(shapes.exports)
    for name, frame in shapes.frames("dispatches").items():
        files[name] = ("dispatches", frame.assign(visits="1", arrived_at=frame["reported_at"]))
    rendered = shapes.render(files)
    check_html(rendered)
    d = rendered.processed["dispatches"]
    assert d["first_time_fix"].dropna().all()
    flags = sla.sla_flags(d)
    assert not flags["breached"].fillna(False).any()
    assert assert_unchanged_where_inputs_are(rendered, full) == ["03_customer_value"]

    # no returns
    files = dict(shapes.exports)
    for name, frame in shapes.frames("sales").items():
        negative = frame["quantity"].str.startswith("-") | frame["amount"].str.startswith("-")
        files[name] = ("sales", frame[~negative.fillna(False)])
    rendered = shapes.render(files)
    check_html(rendered)
    assert not rendered.processed["sales"]["is_return"].any()
