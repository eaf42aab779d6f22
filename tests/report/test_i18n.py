import re

import pytest

from pipeline.report import i18n


def test_chapter_labels():
    assert i18n.chapter_label(3, "en") == "Chapter 3"
    assert i18n.chapter_label(3, "zh-Hant") == "第三章"
    assert i18n.chapter_label(12, "zh-Hans") == "第十二章"
    assert [i18n.chinese_numeral(n) for n in (1, 10, 11, 20, 21)] == ["一", "十", "十一", "二十", "二十一"]


def test_simplified_is_derived_and_references_survive_formatting():
    assert i18n.t("doc.contents", "zh-Hans") == "目录"
    text = i18n.t("quality.rejects_text", "zh-Hans")
    assert "{tab:accounting}" in text and "{fig:rejects}" in text


def test_every_message_has_english_and_traditional_and_the_same_fields():
    catalogue = i18n.catalogue()
    for key, entry in catalogue.items():
        assert "en" in entry and "zh-Hant" in entry, key
        if key == "doc.chapter_label":   # English numbers chapters 3, Chinese 三
            continue
        fields = {lang: set(re.findall(r"\{([^{}]+)\}", text)) for lang, text in entry.items()}
        assert len({frozenset(f) for f in fields.values()}) == 1, (key, fields)


def test_unknown_language_is_refused():
    from pipeline.errors import PipelineError
    with pytest.raises(PipelineError):
        i18n.check_language("fr")


def test_every_file_warning_the_clean_writes_has_a_message_with_its_fields():
    # chapter 1 shows each file warning through warning.<code>; a code without a message would stop it
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "pipeline"
    codes = set()
    for path in [*root.glob("clean/*.py"), *root.glob("ingest/*.py")]:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'"code": "([a-z_]+)"', text))
        constants = dict(re.findall(r'^([A-Z_]+) = "([a-z_]+)"$', text, flags=re.M))
        codes |= {constants[name] for name in re.findall(r'"code": ([A-Z_]+)', text) if name in constants}
    assert {"truncated", "formula_without_value", "state_log_detected", "large_loss", "order_from_customer_day",
            "no_customer_column"} <= codes
    for code in codes:
        for lang in ("en", "zh-Hant", "zh-Hans"):
            text = i18n.t(f"warning.{code}", lang, file="f.csv", rows=1, cells=1, examples="A1", records=2,
                          share="9.0%", rejected=3, reasons="bad_date 3", column="customer_id")
            assert "f.csv" in text and "{" not in text
