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
