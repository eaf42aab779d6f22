import pandas as pd
import pytest

from pipeline.clean.parse import (
    DateOptions,
    infer_date_order,
    normalise_service_level,
    parse_booleans,
    parse_dates,
    parse_numbers,
    split_list,
    split_type_model,
)


def S(*values):
    return pd.Series(list(values), dtype=object)


def test_dates_in_every_sample_form():
    values, reasons = parse_dates(S("2009.01.08", "2009/1/8 14:30", "2009年1月8日 14:30", "2008-01-08 14:30:00",
                                    "２００９．０１．０８", "20090108", "2009年1月8日"))
    assert values.tolist() == [pd.Timestamp("2009-01-08"), pd.Timestamp("2009-01-08 14:30"),
                               pd.Timestamp("2009-01-08 14:30"), pd.Timestamp("2008-01-08 14:30"),
                               pd.Timestamp("2009-01-08"), pd.Timestamp("2009-01-08"), pd.Timestamp("2009-01-08")]
    assert (reasons == "").all()


def test_bad_future_early_and_empty_dates_are_told_apart():
    values, reasons = parse_dates(S("2008.13.45 10:00", "", "2030-01-01", "1985-05-05", "soon"), run_date="2026-11-29")
    assert reasons.tolist() == ["bad_date", "", "future_date", "implausible_date", "bad_date"]
    assert values.isna().all()


def test_day_month_order_is_inferred_per_file_or_refused():
    assert infer_date_order(S("08/01/2009", "25/12/2009")) == "DMY"
    assert infer_date_order(S("08/01/2009", "12/25/2009")) == "MDY"
    assert infer_date_order(S("08/01/2009")) is None
    values, reasons = parse_dates(S("08/01/2009"))
    assert reasons.tolist() == ["ambiguous_date"] and values.isna().all()
    values, _ = parse_dates(S("08/01/2009", "25/12/2009"))
    assert values[0] == pd.Timestamp("2009-01-08")
    values, _ = parse_dates(S("08/01/2009"), DateOptions(date_order="MDY"))
    assert values[0] == pd.Timestamp("2009-08-01")


def test_roc_years_only_when_declared():
    _, reasons = parse_dates(S("98/01/08"))
    assert reasons[0] == "bad_date"
    values, _ = parse_dates(S("98/01/08"), DateOptions(roc_years=True))
    assert values[0] == pd.Timestamp("2009-01-08")


def test_excel_serials_honour_the_epoch():
    values, _ = parse_dates(S("39821"), DateOptions(excel_epoch=pd.Timestamp("1899-12-30")))
    assert values[0] == pd.Timestamp("2009-01-08")
    values, _ = parse_dates(S("38359"), DateOptions(excel_epoch=pd.Timestamp("1904-01-01")))
    assert values[0] == pd.Timestamp("2009-01-08")
    _, reasons = parse_dates(S("39821"))   # a CSV number is not a date
    assert reasons[0] == "bad_date"


def test_money_and_bad_numbers():
    values, bad = parse_numbers(S("12,000.00", "¥1,200", "(5)", "two", "", "-3", "CNY 7.5"))
    assert values.tolist()[:3] == [12000.0, 1200.0, -5.0]
    assert pd.isna(values[3]) and pd.isna(values[4])
    assert values[5] == -3.0 and values[6] == 7.5
    assert bad.tolist() == [False, False, False, True, False, False, False]


@pytest.mark.parametrize("raw, level", [("5*9", "5x9"), ("5x9", "5x9"), ("5×9", "5x9"), ("7*24*4", "7x24x4"),
                                        ("24x7x4", "7x24x4"), ("7x24 4h", "7x24x4"), ("7*24*8", "7x24x8"),
                                        ("7X24X8", "7x24x8"), ("７×２４×４", "7x24x4")])
def test_service_levels(raw, level):
    levels, unknown = normalise_service_level(S(raw))
    assert levels[0] == level and not unknown[0]


def test_unknown_service_level_is_flagged_not_guessed():
    levels, unknown = normalise_service_level(S("gold", ""))
    assert levels.tolist() == [None, None]
    assert unknown.tolist() == [True, False]


def test_type_model_split():
    out = split_type_model(S("7979Q7C", "888798X", "8840-CFG", "x3650"))
    assert out["machine_type"].tolist() == ["7979", "8887", "8840", None]
    assert out["machine_model"].tolist() == ["Q7C", "98X", "CFG", None]


def test_booleans_and_lists():
    values, bad = parse_booleans(S("Y", "否", "true", "", "maybe"))
    assert values.tolist()[:3] == [True, False, True] and pd.isna(values[3])
    assert bad.tolist() == [False, False, False, False, True]
    assert split_list(S("HDD+RAID", "硬盤、內存/電源", "", "a, b")).tolist() == [
        ["HDD", "RAID"], ["硬盤", "內存", "電源"], [], ["a", "b"]]


def test_fractional_seconds_and_parsing_on_distinct_values():
    from pipeline.clean.parse import DateOptions, parse_dates, parse_numbers

    raw = pd.Series(["2012/10/09 14:50:17.000", "2012/10/09 14:50:17.000", "08/01/2009", "13/01/2009", ""] * 3)
    values, reasons = parse_dates(raw, DateOptions())
    assert values.iloc[0] == pd.Timestamp("2012-10-09 14:50:17")
    assert values.iloc[2] == pd.Timestamp("2009-01-08")          # day-first settled by 13/01/2009
    assert reasons.tolist() == [""] * 15 and len(values) == 15
    numbers, bad = parse_numbers(pd.Series(["£1,200.50", "(3)", "x", "", "£1,200.50", "(3)"] * 2))
    assert numbers.tolist()[:2] == [1200.5, -3.0] and bad.tolist()[:4] == [False, False, True, False]
    assert numbers.index.equals(pd.RangeIndex(12))
