"""The report's shared formatting: translated headers, intervals, tier order."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.report import i18n
from pipeline.report.present import in_tier_order, interval_texts, translated_headers, values_with_intervals


def test_headers_are_translated_from_the_first_prefix_that_has_them():
    frame = pd.DataFrame({"dispatches": [1], "breaches": [0]})
    t = lambda key, **v: i18n.t(key, "zh-Hant", **v)  # noqa: E731
    assert list(translated_headers(frame, t).columns) == [i18n.t("col.dispatches", "zh-Hant"),
                                                          i18n.t("col.breaches", "zh-Hant")]
    assert list(translated_headers(frame, t).columns) == ["派單數", "違約數"]


def test_an_untranslated_header_is_an_error_not_english_in_a_chinese_report():
    t = lambda key, **v: i18n.t(key, "zh-Hant", **v)  # noqa: E731
    with pytest.raises(KeyError, match="col.no_such_column"):
        translated_headers(pd.DataFrame({"no_such_column": [1]}), t)


def test_a_second_prefix_is_tried_after_the_first():
    def t(key, **_):
        if key == "lifecycle.renewed_share":
            return "續保比例"
        raise KeyError(key)
    out = translated_headers(pd.DataFrame({"renewed_share": [0.5]}), t, prefixes=("col", "lifecycle"))
    assert list(out.columns) == ["續保比例"]


def test_intervals_are_written_low_dash_high_in_the_given_format():
    pct = lambda x: f"{100 * x:.1f}%"  # noqa: E731
    assert interval_texts([0.1, 0.25], [0.2, 0.5], pct) == ["10.0%–20.0%", "25.0%–50.0%"]
    assert values_with_intervals([1.5], [1.0], [2.25], lambda x: f"{x:.1f}") == ["1.5 (1.0–2.2)"]


def test_an_interval_end_the_data_do_not_reach_is_written_as_a_bound():
    # the help-desk log's 90th-percentile repair time: its upper limit lies past the last follow-up
    one = lambda x: "–" if x != x else f"{x:,.1f}"  # noqa: E731
    nan = float("nan")
    assert values_with_intervals([1027.3, 5.0, 7.0], [979.8, nan, nan], [nan, 6.0, nan], one) == [
        "1,027.3 (≥ 979.8)", "5.0 (≤ 6.0)", "7.0"]
    assert interval_texts([nan, 1.0], [nan, float("inf")], one) == ["–", "1.0–∞"]


def test_tiers_come_vip_large_smb_then_any_other_in_their_order():
    frame = pd.DataFrame({"tier": ["SMB", "Gold", "VIP", "large", "Bronze"], "n": [1, 2, 3, 4, 5]})
    assert in_tier_order(frame)["tier"].tolist() == ["VIP", "large", "SMB", "Gold", "Bronze"]


def test_the_group_of_rows_without_a_value_is_named_not_recorded():
    def t(key, **_):
        return {"col.level": "服務級別", "col.n": "派單", "col.unrecorded": "未記錄"}[key]
    out = translated_headers(pd.DataFrame({"level": ["5x9", "(unknown)"], "n": [3, 1]}), t)
    assert out.to_dict("list") == {"服務級別": ["5x9", "未記錄"], "派單": [3, 1]}
