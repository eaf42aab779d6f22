"""Sections run only when their declared needs are met; otherwise one paragraph says what is missing."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline.analyses.coverage import Unmet
from pipeline.analyses.period import parse_period
from pipeline.contract.sections import SECTIONS, Need
from pipeline.report import reportkit
from pipeline.report.chapter import Chapter
from pipeline.report.sections import Unavailable, computes, reason, shows


def chapter(tmp_path, data, lang="en", period="2009Q4") -> Chapter:
    reportkit.setup(tmp_path, lang)
    return Chapter(data=data, manifest={}, period=parse_period(period), lang=lang, out_dir=tmp_path)


def sales(dates, **columns):
    frame = pd.DataFrame({"order_date": pd.to_datetime(dates), "customer_id": [f"C{i}" for i in range(len(dates))],
                          "is_return": False, "amount": 1.0})
    return frame.assign(**columns)


def text(markup: list[str]) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(markup)))


calls = []


@computes("lifecycle.breadth")
def breadth(ch):
    calls.append("breadth")
    return "computed"


@shows("lifecycle.breadth")
def show_breadth(ch, result):
    calls.append(("shown", result))


@computes("lifecycle.more")
def more(ch, earlier):
    calls.append("more")
    return "more"


def test_a_section_whose_needs_are_met_computes_and_shows(tmp_path):
    calls.clear()
    ch = chapter(tmp_path, {"sales": sales(["2009-11-01"], product_category=["server"])})
    with reportkit.collecting() as markup:
        show_breadth(ch, breadth(ch))
    assert calls == ["breadth", ("shown", "computed")] and markup == []


def test_a_section_whose_column_is_missing_is_one_paragraph_naming_the_sources_key(tmp_path):
    calls.clear()
    ch = chapter(tmp_path, {"sales": sales(["2009-11-01"])})
    result = breadth(ch)
    assert isinstance(result, Unavailable) and not result and calls == []
    # a section computed from an unavailable one is unavailable too, for the same reason
    assert more(ch, result).unmet == result.unmet and calls == []
    with reportkit.collecting() as markup:
        show_breadth(ch, result)
    assert calls == [] and len(markup) == 1
    assert text(markup).strip() == ("This needs `product_category` in the sales lines export up to 2009-12-31, "
                                    "and no row has it: map it in sources.yml (`columns: {product_category: …}`).")


def test_a_chapter_that_cannot_run_is_one_short_page_written_once(tmp_path):
    ch = chapter(tmp_path, {"sales": sales(["2008-01-01"])})       # no sales in 2009Q4
    with reportkit.collecting() as markup:
        for key in ("value.value", "value.rfm", "value.clusters"):
            @shows(key)
            def show(ch, r):
                raise AssertionError("not shown")
            show(ch, None)
    assert sum("There is nothing to report in this chapter" in m for m in markup) == 1
    assert "This needs sales lines in 2009Q4, and there are none (the export covers 2008-01-01 to 2008-01-01)." \
        in text(markup)


def test_a_silent_section_says_nothing(tmp_path):
    ch = chapter(tmp_path, {"dispatches": pd.DataFrame({"reported_at": pd.to_datetime(["2009-11-01"]),
                                                         "source_file": ["d.csv"]})})
    assert SECTIONS["service.thesis_table"].silent

    @shows("service.thesis_table")
    def show(ch, r):
        raise AssertionError("not shown")
    with reportkit.collecting() as markup:
        show(ch, None)
    assert markup == []


NEEDS = [Need("rows", "dispatches"), Need("values", "dispatches", "engineer"),
         Need("values", "dispatches", "symptom_code", 5, "history"),
         Need("largest_group", "dispatches", "symptom_code", 5, "history"),
         Need("customers", "sales", "customer_id", 2, "history"), Need("decided_contracts", "contracts", "renewed"),
         Need("months", "sales", None, 18, "history"), Need("rows", "sales", None, 1, "previous"),
         Need("rows", "contracts", None, 1, "any")]


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_every_kind_of_need_has_a_sentence_in_every_language(tmp_path, lang):
    d = pd.DataFrame({"reported_at": pd.to_datetime(["2009-01-05"]), "symptom_text": ["odd noise"],
                      "symptom_code": ["UNMAPPED"], "engineer": [None]})
    ch = chapter(tmp_path, {"dispatches": d, "sales": sales(["2009-11-01"]), "contracts": pd.DataFrame()}, lang)
    day = pd.Timestamp("2009-01-05")
    # the contracts table is empty: its need gets the sentence for a table the data does not include
    sentences = [reason(ch, Unmet(n, 0, *((None, None) if n.table == "contracts" else (day, day)))) for n in NEEDS]
    for s in sentences:
        assert s and "{" not in s.replace("{product", "").replace("{engineer", "") and "None" not in s
    # every kind has its own sentence (a contract need without the contracts table: the absent table's)
    assert len(set(sentences)) == len(sentences) - 1 and sentences[5] == sentences[-1]
    if lang == "en":
        assert sentences[1].startswith("This needs `engineer` in the dispatch records export in 2009Q4")
        # the symptom text is there but no rule codes it: the sentence says so, not "map it"
        assert sentences[2].startswith("This needs at least 5 dispatch records up to 2009-12-31 whose "
                                       "`symptom_text` the taxonomy codes, and 0 are coded")
        assert "`table: contracts`" in sentences[-1]
    else:
        assert re.search(r"[\u4e00-\u9fff]", " ".join(sentences))


OLD_THESIS_TEXT = ("The thesis cites that if a complaint is ignored two thirds of customers go to a competitor, about "
                   "70% stay if it is resolved, and 95% if it is resolved well and quickly. {fig:thesis} puts these "
                   "beside the renewal rates here: 80% of contracts with no SLA breach were renewed; with breaches all "
                   "closed within 24 hours, 70%; with a breach closed later, 60%; with a dispatch still open at the "
                   "end date, 50%. The thesis's figures concern complaints, these concern late arrivals, so the "
                   "comparison is indicative only.")


def test_the_thesis_comparison_names_only_the_groups_the_data_hold(tmp_path):
    from pipeline.report.chapters.lifecycle_retention import thesis_sentence

    ch = chapter(tmp_path, {})
    rates = pd.Series({"no_breach": 0.8, "breach_resolved_fast": 0.7, "breach_resolved_slowly": 0.6,
                       "unresolved": 0.5})
    assert thesis_sentence(ch, rates) == OLD_THESIS_TEXT        # the sentence the report always wrote
    partial = thesis_sentence(ch, rates.drop("breach_resolved_slowly"))
    assert "closed later" not in partial and "–" not in partial and "60%" not in partial
    zh = thesis_sentence(chapter(tmp_path, {}, "zh-Hant"), rates.drop("unresolved"))
    assert zh.endswith("有違約派單較遲完成者為 60%。論文的數字關於投訴，這裡關於遲到，比較僅供參考。")
