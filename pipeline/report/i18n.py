"""The message catalogue: every word a report shows, in English, Traditional and Simplified Chinese.

Messages live in ``messages*.yml`` beside this module (``messages.yml`` for the document's frame,
``messages_chapters.yml`` for the chapters), one key per message, with ``en`` and
``zh-Hant`` texts. ``zh-Hans`` is written out only where Simplified usage differs from a
character-by-character conversion; otherwise it is derived from ``zh-Hant`` with OpenCC's
Taiwan-to-mainland phrase conversion (``tw2sp``), so the two Chinese catalogues cannot drift.
Texts are ``str.format`` templates: ``t("fig.caption", lang, n=3)``.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path

from pipeline.runtime import strict_yaml
from pipeline.runtime.text import to_simplified

LANGUAGES = ("en", "zh-Hant", "zh-Hans")
_CATALOGUE_DIR = Path(__file__).with_name("messages")


def check_language(lang: str) -> str:
    from pipeline.errors import PipelineError

    if lang not in LANGUAGES:
        raise PipelineError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return lang


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_CATALOGUE_DIR.glob("messages*.yml")):
        with open(path, encoding="utf-8") as fh:
            for key, entry in (strict_yaml.safe_load(fh) or {}).items():   # a key twice in one file: an error
                if key in merged:
                    raise ValueError(f"message {key!r} is defined twice ({path.name})")
                merged[key] = entry
    return merged


def message(key: str, lang: str) -> str:
    """The raw template of ``key`` in ``lang`` (KeyError names the missing key)."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"message {key!r} is not in the catalogue (pipeline/messages*.yml)")
    if lang in entry:
        return entry[lang]
    if lang == "zh-Hans" and "zh-Hant" in entry:
        return to_simplified(entry["zh-Hant"])
    return entry["en"]


class _Reference:
    """Keeps ``{fig:label}`` / ``{tab:label}`` intact through ``str.format`` for the renderer to number."""

    def __init__(self, kind: str):
        self.kind = kind

    def __format__(self, label: str) -> str:
        return "{" + self.kind + ":" + label + "}"


class _Formatter(string.Formatter):
    def get_value(self, key, args, kwargs):
        if key in ("fig", "tab"):
            return _Reference(key)
        return super().get_value(key, args, kwargs)


_FORMATTER = _Formatter()


def t(key: str, lang: str, /, **values) -> str:
    """The message ``key`` in ``lang``, formatted with ``values``; figure/table references kept as written."""
    return _FORMATTER.format(message(key, lang), **values)


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (chapter numbers: 第三章)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def chapter_label(n: int, lang: str) -> str:
    """``Chapter 3`` in English, ``第三章`` in Chinese."""
    return t("doc.chapter_label", lang, n=n, cn=chinese_numeral(n))
