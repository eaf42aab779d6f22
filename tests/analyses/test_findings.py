"""pipeline.findings: sentences generated from the data, in every report language."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.analyses import findings
from pipeline.analyses.findings import Metric
from pipeline.analyses.period import parse_period
from pipeline.report import sentences

LANGS = ("en", "zh-Hant", "zh-Hans")


def _data(ftf_q4: float = 0.8, n: int = 40, symptom_flip: str | None = None) -> dict[str, pd.DataFrame]:
    """Dispatches in 2008Q4, 2009Q3 and 2009Q4 with given first-time-fix shares; small sales/contracts."""
    rows = []
    for period, start, ftf in (("2008Q4", "2008-10-01", 0.7), ("2009Q3", "2009-07-01", 0.9),
                               ("2009Q4", "2009-10-01", ftf_q4)):
        base = pd.Timestamp(start)
        for i in range(n):
            symptom = "HDD_AMBER" if i % 2 else "NO_DISPLAY"
            fixed = i < round(ftf * n)
            reported = base + pd.Timedelta(days=i, hours=10)
            rows.append({"ticket_id": f"{period}-{i}", "customer_id": f"C{i % 5}", "customer_name": f"c{i % 5}",
                         "reported_at": reported, "arrived_at": reported + pd.Timedelta(hours=2),
                         "closed_at": reported + pd.Timedelta(hours=5), "service_level": "7x24x4",
                         "symptom_code": symptom, "first_time_fix": fixed, "visits": 1 if fixed else 2})
    d = pd.DataFrame(rows)
    if symptom_flip:
        mask = (d["reported_at"] >= "2009-10-01") & (d["symptom_code"] == symptom_flip)
        d.loc[mask, "first_time_fix"] = False
    sales = pd.DataFrame({"order_id": ["o1", "o2", "o3"], "customer_id": ["C1", "C2", "C1"],
                          "order_date": pd.to_datetime(["2008-11-01", "2009-08-01", "2009-11-01"]),
                          "amount": [100.0, 200.0, 300.0], "is_return": [False, False, False]})
    contracts = pd.DataFrame({"contract_id": ["k1"], "customer_id": ["C1"],
                              "start_date": pd.to_datetime(["2008-12-01"]), "end_date": pd.to_datetime(["2009-11-30"]),
                              "renewed": pd.array([True], dtype="boolean")})
    return {"dispatches": d, "sales": sales, "contracts": contracts}


Q4 = parse_period("2009Q4")


def _ftf(metrics):
    return next(m for m in metrics if m.key == "first_time_fix")


def test_key_metrics_previous_and_year_earlier():
    m = _ftf(findings.key_metrics(_data(0.8), Q4))
    assert m.current == pytest.approx(0.8) and m.previous == pytest.approx(0.9)
    assert m.year_earlier == pytest.approx(0.7)
    assert m.ci_low < 0.8 < m.ci_high


def test_sentences_change_with_the_data():
    """No sentence of the abstract or the conclusions is fixed text."""
    for lang in LANGS:
        before = findings.key_metrics(_data(0.8), Q4)
        after = findings.key_metrics(_data(0.95), Q4)
        s1, s2 = sentences.sentences(before, lang), sentences.sentences(after, lang)
        a1 = sentences.abstract(before, Q4, lang)
        a2 = sentences.abstract(after, Q4, lang)
        assert s1 != s2 and a1 != a2
        ftf1, ftf2 = sentences.sentence(_ftf(before), lang), sentences.sentence(_ftf(after), lang)
        assert "80.0%" in ftf1 and "95.0%" in ftf2 and "90.0%" in ftf1 and "70.0%" in ftf1
    en1 = sentences.sentence(_ftf(findings.key_metrics(_data(0.8), Q4)), "en")
    en2 = sentences.sentence(_ftf(findings.key_metrics(_data(0.95), Q4)), "en")
    assert en1.startswith("First-time fix fell from 90.0% to 80.0% (95% interval ")
    assert en2.startswith("First-time fix rose from 90.0% to 95.0%")
    assert "above the same period a year earlier (70.0%)" in en1


def test_flipping_first_time_fix_moves_the_driver():
    base = findings.ftf_driver(_data(0.9), Q4)
    flipped = findings.ftf_driver(_data(0.9, symptom_flip="NO_DISPLAY"), Q4)
    assert base is None            # same rates as the quarter before: nothing moved
    assert flipped.symptom_code == "NO_DISPLAY" and flipped.current == 0.0
    text = sentences.driver_sentence(flipped, "en")
    assert "No display" in text or "no display" in text.lower()
    assert "down from" in text and "0.0%" in text
    zh = sentences.driver_sentence(flipped, "zh-Hant")
    assert "下降" in zh and "0.0%" in zh


@pytest.mark.parametrize("lang,words", [
    ("en", ("rose", "fell", "held", "no previous period", "above", "below", "about the same")),
    ("zh-Hant", ("上升", "下降", "維持", "沒有上一期", "高於", "低於", "持平")),
    ("zh-Hans", ("上升", "下降", "维持", "没有上一期", "高于", "低于", "持平")),
])
def test_direction_words(lang, words):
    rose, fell, held, only, above, below, same = words
    cases = [(Metric("dispatches", "count", 120, 100), rose), (Metric("dispatches", "count", 80, 100), fell),
             (Metric("dispatches", "count", 100.5, 100), held), (Metric("dispatches", "count", 100, None), only)]
    for metric, word in cases:
        assert word in sentences.sentence(metric, lang), (lang, metric)
    for year, word in ((50, above), (150, below), (100.2, same)):
        text = sentences.sentence(Metric("revenue", "money", 100, 90, year_earlier=year), lang)
        assert word in text, (lang, year, text)


def test_formatting():
    rate = Metric("first_time_fix", "rate", 0.7412, 0.81, ci_low=0.6, ci_high=0.85)
    assert sentences.format_value(rate, 0.7412) == "74.1%"
    assert sentences.format_value(Metric("revenue", "money", 1234567.4, None), 1234567.4) == "1,234,567"
    assert sentences.format_value(rate, None) == "–"
    assert findings.direction(Metric("breach_rate", "rate", 0.1, 0.103)) == "held"
    assert sentences.sentence(rate, "en") == "First-time fix fell from 81.0% to 74.1% (95% interval 60.0% to 85.0%)."
    assert sentences.sentence(rate, "zh-Hant") == "一次修復率由 81.0% 下降至 74.1%（95% 區間 60.0% 至 85.0%）。"
    assert sentences.sentence(rate, "zh-Hans") == "一次修复率由 81.0% 下降至 74.1%（95% 区间 60.0% 至 85.0%）。"


def test_metrics_table_columns():
    metrics = findings.key_metrics(_data(0.8), Q4)
    for lang, cols in (("en", ["Measure", "This period", "95% interval", "Previous period", "A year earlier"]),
                       ("zh-Hant", ["指標", "本期", "95% 區間", "上一期", "去年同期"])):
        table = sentences.metrics_table(metrics, lang)
        assert list(table.columns) == cols
    table = sentences.metrics_table(metrics, "en").set_index("Measure")
    assert table.loc["First-time fix", "A year earlier"] == "70.0%"
    assert table.loc["First-time fix", "Previous period"] == "90.0%"


def test_key_numbers_table_helper():
    table = sentences.key_numbers_table(_data(0.8), Q4, "zh-Hant", keys=["first_time_fix"])
    assert table.to_dict("records") == [{"指標": "一次修復率", "本期": "80.0%", "95% 區間": table.iloc[0]["95% 區間"],
                                         "上一期": "90.0%", "去年同期": "70.0%"}]
    with pytest.raises(KeyError):
        sentences.key_numbers_table(_data(0.8), Q4, "en", keys=["nope"])
