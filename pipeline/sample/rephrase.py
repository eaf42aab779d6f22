"""Rewrite the sample's free-text fault columns the way other branches and service desks would write them.

The sample generator (``pipeline.sample.dispatches``) writes each symptom and cause with one of a few fixed
phrasings. A free-text coder tuned on those phrasings could look accurate on the sample and still fail on
real exports. This module rewrites the symptom, cause and CAG-predicted-cause cells of the dispatch exports
in place with phrasings from an independent bank (English, Traditional Chinese with Taiwan and mainland
vocabulary, Simplified Chinese, mixed script) and light, human-readable noise (abbreviations, typos, case,
full-width forms, spacing, context prefixes), so a test can check that the coder still recovers the planted
cause-given-symptom distributions from ``truth.json``.

Interface:

* ``symptom_phrase(code, rng)``: one written symptom of a symptom code;
* ``cause_phrase(codes, rng)``: one written cause cell of one or two cause codes (primary first);
* ``rephrase_dispatch_exports(raw_dir, seed)``: rewrite the exports in ``raw_dir``; returns rows rewritten
  per file;
* ``SYMPTOM_BANK``, ``CAUSE_BANK``, ``NOUNS``: the phrase bank; ``renderings(code, kind)`` and
  ``noun_renderings(code)`` list every noise-free text a code can be written as (for tests).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
import string
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.sample.phrase_bank import (  # noqa: F401  (re-exported: the bank is part of the interface)
    CAUSE_BANK,
    CAUSE_NOUN_SLOT,
    CAUSE_PREFIXES,
    JOIN_NOUNS,
    JOIN_PHRASES,
    LANGS,
    NOUNS,
    NUMBERS,
    SUFFIXES,
    SYMPTOM_BANK,
    SYMPTOM_PREFIXES,
)

# noise rates: high enough to break exact matching on the sample's phrasings, low enough that every text
# still reads as its code to a field engineer
ABBR_RATE = 0.3
TYPO_RATE = 0.10        # per eligible English word (>= 5 letters, not an all-caps label)
CASE_RATE = 0.15
FULLWIDTH_RATE = 0.08
SPACE_RATE = 0.15
SUFFIX_RATE = 0.15
COMMA_RATE = 0.2
SYMPTOM_PREFIX_RATE = 0.25
CAUSE_PREFIX_RATE = 0.2
NOUN_JOIN_RATE = 0.4
PREFER_RATE = 0.5       # share of cells written in the export's own script when ``prefer`` is given

_SLOT = re.compile(r"\{(\w+)\}")
_CJK = r"\u3400-\u9fff\uff00-\uffef\u3000-\u303f"


# --------------------------------------------------------------------------------------------
# drawing one text

def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _fill(template: str, lang: str, rng: np.random.Generator) -> str:
    """``template`` with each slot filled: a part name of ``lang`` (or its abbreviation), or a number."""
    def one(m: re.Match) -> str:
        slot = m.group(1)
        if slot == "n":
            return _pick(rng, NUMBERS)
        names = NOUNS[slot]
        if names["abbr"] and rng.random() < ABBR_RATE:
            return _pick(rng, names["abbr"])
        return _pick(rng, names[lang])
    return _SLOT.sub(one, template)


def _choose_lang(rng: np.random.Generator, langs: Sequence[str], prefer: str | None) -> str:
    if prefer in langs and rng.random() < PREFER_RATE:
        return prefer
    return _pick(rng, tuple(langs))


def _typo(word: str, rng: np.random.Generator) -> str:
    """``word`` with two adjacent inner letters swapped or one inner letter dropped (the first and last
    letters stay, which keeps the word readable)."""
    if rng.random() < 0.5:
        i = int(rng.integers(1, len(word) - 2))
        if word[i] != word[i + 1]:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    i = int(rng.integers(1, len(word) - 1))
    return word[:i] + word[i + 1:]


def _typos(text: str, rng: np.random.Generator) -> str:
    def one(m: re.Match) -> str:
        w = m.group(0)
        # all-caps and camel-case tokens are labels and product names (BOARD, ServeRAID): left alone
        if len(w) < 5 or any(c.isupper() for c in w[1:]) or rng.random() >= TYPO_RATE:
            return w
        return _typo(w, rng)
    return re.sub(r"[A-Za-z]+", one, text)


def _case(text: str, rng: np.random.Generator) -> str:
    style = int(rng.integers(3))
    if style == 0:
        return text.lower()
    if style == 1:
        return text.upper()
    return text[:1].upper() + text[1:]


def _fullwidth(text: str) -> str:
    """ASCII letters, digits and '+' as their full-width forms (ＨＤＤ), as some Chinese input methods type them."""
    keep = string.ascii_letters + string.digits + "+"
    return "".join(chr(ord(c) + 0xFEE0) if c in keep else c for c in text)


def _spaces(text: str, rng: np.random.Generator) -> str:
    boundary = re.compile(rf"(?<=[{_CJK}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[{_CJK}])")
    if boundary.search(text) and rng.random() < 0.6:
        return boundary.sub(" ", text)
    if " " in text:
        return text.replace(" ", "  ", 1)
    return text + " "


def _noise(text: str, rng: np.random.Generator) -> str:
    """The perturbations a text gets once its phrasing is drawn; each is applied at its own rate."""
    text = _typos(text, rng)
    has_latin = re.search(r"[A-Za-z]", text) is not None
    has_cjk = re.search(rf"[{_CJK}]", text) is not None
    if has_latin and rng.random() < CASE_RATE:
        text = _case(text, rng)
    if has_latin and has_cjk and rng.random() < FULLWIDTH_RATE:
        text = _fullwidth(text)
    if rng.random() < COMMA_RATE:
        text = text.replace("，", ",") if "，" in text else text.replace(", ", "，")
    if rng.random() < SPACE_RATE:
        text = _spaces(text, rng)
    if rng.random() < SUFFIX_RATE:
        text = text + _pick(rng, SUFFIXES)
    return text


def symptom_phrase(code: str, rng: np.random.Generator, prefer: str | None = None) -> str:
    """One written symptom of symptom ``code``: a bank phrasing with noise and, sometimes, an intake prefix.

    ``prefer``: a language of ``LANGS`` drawn more often (the script of the export the text goes into)."""
    bank = SYMPTOM_BANK[code]
    lang = _choose_lang(rng, sorted({lg for lg, _ in bank}), prefer)
    template = _pick(rng, [t for lg, t in bank if lg == lang])
    text = _noise(_fill(template, lang, rng), rng)
    if rng.random() < SYMPTOM_PREFIX_RATE:
        text = _pick(rng, SYMPTOM_PREFIXES) + text
    return text


def _one_cause(code: str, lang: str, rng: np.random.Generator) -> str:
    return _fill(_pick(rng, [t for lg, t in CAUSE_BANK[code] if lg == lang]), lang, rng)


def cause_phrase(codes: str | Sequence[str], rng: np.random.Generator, prefer: str | None = None) -> str:
    """One written cause cell of one or two cause codes; two are written in the given order (the first is
    the primary cause), either as two phrases joined ("A，同時B", "A and B") or, when both are parts, as
    two part names that both failed ("主板,內存皆損壞"). One language per cell, as one engineer writes it."""
    codes = [codes] if isinstance(codes, str) else list(codes)
    if not 1 <= len(codes) <= 2:
        raise ValueError(f"one or two cause codes, not {codes!r}")
    lang = _choose_lang(rng, LANGS, prefer)
    if len(codes) == 1:
        text = _one_cause(codes[0], lang, rng)
    else:
        a, b = codes
        if a in CAUSE_NOUN_SLOT and b in CAUSE_NOUN_SLOT and rng.random() < NOUN_JOIN_RATE:
            text = _pick(rng, JOIN_NOUNS[lang]).format(
                a=_fill("{" + CAUSE_NOUN_SLOT[a] + "}", lang, rng), b=_fill("{" + CAUSE_NOUN_SLOT[b] + "}", lang, rng))
        else:
            first, second = _one_cause(a, lang, rng), _one_cause(b, lang, rng)
            text = _pick(rng, JOIN_PHRASES[lang]).format(A=first, B=second)
    text = _noise(text, rng)
    if rng.random() < CAUSE_PREFIX_RATE:
        text = _pick(rng, CAUSE_PREFIXES) + text
    return text


# --------------------------------------------------------------------------------------------
# every noise-free rendering (for tests and checks)

def expand(template: str, lang: str) -> set[str]:
    """Every noise-free text ``template`` can be filled as, in ``lang`` (for tests)."""
    slots = _SLOT.findall(template)
    choices = [("1",) if s == "n" else NOUNS[s][lang] + NOUNS[s]["abbr"] for s in slots]
    out = set()
    for combo in itertools.product(*choices):
        it = iter(combo)
        out.add(_SLOT.sub(lambda _m, it=it: next(it), template))
    return out


def renderings(code: str, kind: str) -> set[str]:
    """Every noise-free text ``code`` can be written as (numbers written as 1); ``kind``: "symptom" or "cause"."""
    bank = SYMPTOM_BANK if kind == "symptom" else CAUSE_BANK
    return set().union(*(expand(t, lg) for lg, t in bank[code]))


def noun_renderings(code: str) -> set[str]:
    """The part names that stand for cause ``code`` in a "both failed" cell (empty if it has none)."""
    slot = CAUSE_NOUN_SLOT.get(code)
    if slot is None:
        return set()
    return {n for key, names in NOUNS[slot].items() for n in names}


# --------------------------------------------------------------------------------------------
# the exports

_TICKET = ("派單號", "派单号")
_SYMPTOM = ("故障現象", "故障现象")
_CAUSE = ("故障原因",)
_PREDICTED = ("CAG預判原因", "CAG预判原因")


def _read_table(path: Path) -> dict:
    """A CSV export as written: its rows and the encoding, delimiter and line end to write it back with."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        try:
            data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            # the sample's Simplified export is GB18030; anything else is not a file this module wrote
            encoding = "gb18030"
    text = data.decode(encoding)
    newline = "\r\n" if "\r\n" in text else "\n"
    head = text.split(newline, 1)[0]
    delimiter = max(",\t;|", key=head.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return {"rows": rows, "encoding": encoding, "delimiter": delimiter, "newline": newline,
            "final_newline": text.endswith(newline)}


def _write_table(path: Path, table: dict) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=table["delimiter"], lineterminator=table["newline"]).writerows(table["rows"])
    text = buf.getvalue()
    if not table["final_newline"]:
        text = text[: -len(table["newline"])]
    path.write_bytes(text.encode(table["encoding"]))


def _column(header: list[str], names: tuple[str, ...], path: Path) -> int:
    for name in names:
        if name in header:
            return header.index(name)
    raise ValueError(f"{path.name}: no column {' / '.join(names)} in the header")


def rephrase_dispatch_exports(raw_dir: Path, seed: int) -> dict[str, int]:
    """Rewrite, in place, the symptom, cause and CAG-predicted-cause cells of the dispatch exports in
    ``raw_dir`` (the files ``truth.json`` names in ``dispatch_truth``) from the codes in the truth.

    Rewritten: the rows of tickets in the truth that are not rejected (``reject_reason`` null), and their
    exact duplicates, which get the same text so that they stay exact duplicates (the planted quirk).
    Rows not in the truth and rejected (corrupt) rows keep their text; an empty cause cell (open
    ticket) stays empty. The encoding, delimiter, line ends, header and every other cell are kept.
    Deterministic for ``seed``. Returns, per file name, the number of rows rewritten (duplicates included).
    """
    raw_dir = Path(raw_dir)
    truth = json.loads((raw_dir / "truth.json").read_text(encoding="utf-8"))["dispatch_truth"]
    files = sorted({t["source_file"] for t in truth.values() if t.get("source_file")})
    tables, layout = {}, {}
    for fname in files:
        path = raw_dir / fname
        table = _read_table(path)
        header = table["rows"][0]
        cols = tuple(_column(header, names, path) for names in (_TICKET, _SYMPTOM, _CAUSE, _PREDICTED))
        # the export's script (its header's) is the script most of its new texts are written in
        prefer = "zh-Hant" if _TICKET[0] in header else "zh-Hans"
        tables[fname], layout[fname] = table, (cols, prefer)

    # which rows to rewrite: (file, index into rows) per ticket, the truth row first
    targets: dict[str, list[tuple[str, int]]] = {}
    for fname in files:
        rows = tables[fname]["rows"]
        (c_ticket, *_), _prefer = layout[fname]
        width = len(rows[0])
        for i in range(1, len(rows)):
            row = rows[i]
            tid = row[c_ticket] if row else None
            t = truth.get(tid)
            if t is None or t.get("source_file") != fname or t.get("reject_reason") is not None or len(row) != width:
                continue
            original = rows[t["source_row"] - 1] if 0 < t["source_row"] <= len(rows) else None
            if i + 1 == t["source_row"] or row == original:
                targets.setdefault(tid, []).append((fname, i))

    # one draw per ticket in ticket-id order, so the texts do not depend on how the rows are laid out
    rng = np.random.default_rng(int(seed))
    counts = dict.fromkeys(files, 0)
    for tid in sorted(targets):
        t = truth[tid]
        fname = targets[tid][0][0]
        (_c, c_symptom, c_cause, c_predicted), prefer = layout[fname]
        first = tables[fname]["rows"][targets[tid][0][1]]
        symptom = symptom_phrase(t["symptom_code"], rng, prefer)
        cause = cause_phrase(t["cause_codes"], rng, prefer) if first[c_cause] else ""
        predicted = cause_phrase(t["predicted_cause_code"], rng, prefer) if first[c_predicted] else ""
        for f, i in targets[tid]:
            row = tables[f]["rows"][i]
            row[c_symptom], row[c_cause], row[c_predicted] = symptom, cause, predicted
            counts[f] += 1
    for fname in files:
        _write_table(raw_dir / fname, tables[fname])
    return counts
