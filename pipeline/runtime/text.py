"""Text normalisation shared by header matching, keys and taxonomies, and conversion between the
Traditional and Simplified Chinese scripts."""

from __future__ import annotations

import functools
import re
import unicodedata

# Zero-width space/joiners, word joiner, BOM: survive str.strip() and NFKC, so removed explicitly.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# NBSP, ideographic space and friends become plain spaces, then runs collapse.
_SPACES = re.compile(r"[\s\u00a0\u3000]+")


def clean_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def normalise_text(text: str) -> str:
    """Trimmed text with invisible characters removed and any run of white space made one space.

    Width and script are kept as written (the original is what the report shows).
    """
    return _SPACES.sub(" ", clean_invisible(text)).strip()


def normalise_key(text: str) -> str:
    """A comparison key: :func:`normalise_text`, then NFKC (full-width digits and letters to ASCII)."""
    return unicodedata.normalize("NFKC", normalise_text(text))


@functools.cache
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese with mainland phrasing (OpenCC ``tw2sp``)."""
    return _converter("tw2sp").convert(text)


def to_traditional(text: str) -> str:
    """Simplified → Traditional Chinese (OpenCC ``s2t``)."""
    return _converter("s2t").convert(text)


def to_mainland(text: str) -> str:
    """Either script, Taiwan or mainland vocabulary, as mainland Simplified (記憶體 and 内存 both
    become 内存): Traditional characters first (``s2t``) so that both scripts reach ``tw2sp``'s
    phrase table the same way, then ``tw2sp``. A comparison key, never shown."""
    return _converter("tw2sp").convert(_converter("s2t").convert(text))
