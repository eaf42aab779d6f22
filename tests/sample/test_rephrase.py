"""The rephraser of the sample's fault texts: its bank, its noise, and the exports it rewrites.

Whether a text still says its code is checked with the rephraser's own bank (undoing case, full-width forms,
spacing and one-letter typos), never with the pipeline's free-text coder, which these texts exist to test.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import re
import shutil
import unicodedata

import numpy as np
import opencc
import pytest

from pipeline.sample import rephrase as rp
from pipeline.sample import write_sample
from pipeline.sample.config import CAUSE_GIVEN_SYMPTOM, CAUSES, SYMPTOMS

N = 60
SEED = 11
DISPATCH_FILES = ("dispatches_2007_2008.csv", "dispatches_2009.csv")
ENCODINGS = {"dispatches_2007_2008.csv": "utf-8-sig", "dispatches_2009.csv": "gb18030"}
C_TICKET, C_SYMPTOM, C_CAUSE, C_PREDICTED = 0, 8, 9, 10
TEXT_COLUMNS = {C_SYMPTOM, C_CAUSE, C_PREDICTED}

_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2t")


# --------------------------------------------------------------------------------------------
# reading a text back with the bank

def _ascii_words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[A-Za-z]+", text)}


def _vocabulary() -> set[str]:
    texts = set()
    for code in rp.SYMPTOM_BANK:
        texts |= rp.renderings(code, "symptom")
    for code in rp.CAUSE_BANK:
        texts |= rp.renderings(code, "cause") | rp.noun_renderings(code)
    for group in (rp.JOIN_PHRASES, rp.JOIN_NOUNS):
        for templates in group.values():
            texts |= set(templates)
    texts |= set(rp.SYMPTOM_PREFIXES) | set(rp.CAUSE_PREFIXES)
    return set().union(*(_ascii_words(t) for t in texts))


VOCAB = _vocabulary()


def _typo_map() -> dict[str, tuple[str, ...]]:
    """Every one-letter typo the rephraser can make (inner swap or inner drop) -> the words it can come from."""
    out: dict[str, set[str]] = {}
    for w in sorted(VOCAB):
        if len(w) < 5:
            continue
        variants = {w[:i] + w[i + 1] + w[i] + w[i + 2:] for i in range(1, len(w) - 2)}
        variants |= {w[:i] + w[i + 1:] for i in range(1, len(w) - 1)}
        for v in variants - VOCAB:
            out.setdefault(v, set()).add(w)
    return {k: tuple(sorted(v)) for k, v in out.items()}


TYPOS = _typo_map()


def _norms(text: str) -> set[str]:
    """``text`` full-width -> ASCII, casefolded, numbers as '#', without spaces or punctuation, with its typos
    undone: one string per way of undoing them ("blak" may be "black" or "blank")."""
    t = unicodedata.normalize("NFKC", text).casefold()
    parts = re.split(r"([a-z]+)", t)
    choices = [TYPOS.get(p, (p,)) if i % 2 else (p,) for i, p in enumerate(parts)]
    out = set()
    for combo in itertools.product(*choices):
        s = re.sub(r"\d+", "#", "".join(combo))
        out.add(re.sub(r"[^\w#]|_", "", s))
    return out


def _norm(text: str) -> str:
    return min(_norms(text))


SYMPTOM_MARKERS = {c: {_norm(x) for x in rp.renderings(c, "symptom")} for c in rp.SYMPTOM_BANK}
CAUSE_MARKERS = {c: {_norm(x) for x in rp.renderings(c, "cause")} for c in rp.CAUSE_BANK}
PART_MARKERS = {c: CAUSE_MARKERS[c] | {_norm(x) for x in rp.noun_renderings(c)} for c in rp.CAUSE_BANK}


def _says(text: str, markers: set[str]) -> bool:
    return any(m in t for t in _norms(text) for m in markers)


def _spans(t: str, markers: set[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for mk in markers for m in re.finditer(re.escape(mk), t)]


def _in_order(text: str, first: str, second: str) -> bool:
    """A rendering of cause ``first`` ends before a rendering of cause ``second`` starts."""
    for t in _norms(text):
        a, b = _spans(t, PART_MARKERS[first]), _spans(t, PART_MARKERS[second])
        if any(ea <= sb for _sa, ea in a for sb, _eb in b):
            return True
    return False


def _pairs() -> list[tuple[str, str]]:
    """The ordered cause pairs a two-cause cell of the sample can hold."""
    return sorted({(a, b) for d in CAUSE_GIVEN_SYMPTOM.values() for a, b in itertools.permutations(d, 2)})


# --------------------------------------------------------------------------------------------
# the bank

def test_bank_codes_are_the_samples():
    assert set(rp.SYMPTOM_BANK) == set(SYMPTOMS)
    assert set(rp.CAUSE_BANK) == set(CAUSES)


@pytest.mark.parametrize("bank", [rp.SYMPTOM_BANK, rp.CAUSE_BANK], ids=["symptom", "cause"])
def test_each_code_covers_english_traditional_simplified_and_mixed(bank):
    for code, phrases in bank.items():
        assert 10 <= len(phrases) <= 16, code
        assert len(set(phrases)) == len(phrases), code
        langs = [lg for lg, _ in phrases]
        assert set(langs) == set(rp.LANGS), code
        assert all(langs.count(lg) >= 3 for lg in rp.LANGS), code
        rendered = {lg: set().union(*(rp.expand(t, lg) for g, t in phrases if g == lg)) for lg in rp.LANGS}
        assert all(not re.search(r"[\u4e00-\u9fff]", x) for x in rendered["en"]), code
        mixed = [x for lg in ("zh-Hant", "zh-Hans") for x in rendered[lg] if re.search(r"[A-Za-z]", x)]
        assert mixed, f"{code}: no mixed-script rendering"
        # Simplified renderings hold no Traditional-only character, Traditional ones no Simplified-only one,
        # and the Traditional ones are Traditional (some character Simplified writes otherwise)
        for x in rendered["zh-Hans"]:
            assert _T2S.convert(x) == x, (code, x)
        for x in rendered["zh-Hant"]:
            simplified_only = [c for c in x if _S2T.convert(c) != c and _T2S.convert(c) == c]
            assert not simplified_only, (code, x, simplified_only)
        assert any(_T2S.convert(x) != x for x in rendered["zh-Hant"]), code


def test_bank_mostly_avoids_the_samples_phrasings():
    originals = {x for v in (*SYMPTOMS.values(), *CAUSES.values()) for x in v}
    originals |= {_T2S.convert(x) for x in originals}
    rendered = [x for c in rp.SYMPTOM_BANK for x in rp.renderings(c, "symptom")]
    rendered += [x for c in rp.CAUSE_BANK for x in rp.renderings(c, "cause")]
    assert sum(x in originals for x in rendered) / len(rendered) < 0.02


def test_every_rendering_reads_back_as_its_own_code():
    # a rendering must not be read as its code only by accident of a longer marker of another code
    for code in rp.SYMPTOM_BANK:
        assert all(_says(x, SYMPTOM_MARKERS[code]) for x in rp.renderings(code, "symptom"))
    for code in rp.CAUSE_BANK:
        assert all(_says(x, CAUSE_MARKERS[code]) for x in rp.renderings(code, "cause"))


# --------------------------------------------------------------------------------------------
# drawn texts

def test_same_rng_seed_gives_the_same_texts():
    def draw(seed):
        rng = np.random.default_rng(seed)
        return ([rp.symptom_phrase(c, rng) for c in sorted(rp.SYMPTOM_BANK) for _ in range(20)]
                + [rp.cause_phrase(p, rng) for p in _pairs() for _ in range(3)])
    assert draw(3) == draw(3)
    a, b = draw(3), draw(4)
    assert sum(x != y for x, y in zip(a, b)) / len(a) > 0.7


def test_noisy_texts_still_say_their_code():
    rng = np.random.default_rng(0)
    for code in rp.SYMPTOM_BANK:
        for _ in range(300):
            text = rp.symptom_phrase(code, rng)
            assert _says(text, SYMPTOM_MARKERS[code]), (code, text)
    for code in rp.CAUSE_BANK:
        for _ in range(300):
            text = rp.cause_phrase([code], rng)
            assert _says(text, CAUSE_MARKERS[code]), (code, text)
            assert rp.cause_phrase(code, np.random.default_rng(1)) == rp.cause_phrase([code], np.random.default_rng(1))


def test_two_cause_cells_name_both_causes_primary_first():
    rng = np.random.default_rng(1)
    styles = {"noun": 0, "phrase": 0}
    for a, b in _pairs():
        for _ in range(40):
            text = rp.cause_phrase([a, b], rng)
            assert _in_order(text, a, b), (a, b, text)
            both_phrases = _says(text, CAUSE_MARKERS[a]) and _says(text, CAUSE_MARKERS[b])
            styles["phrase" if both_phrases else "noun"] += 1
    # both ways of joining are used
    assert min(styles.values()) > 0.1 * sum(styles.values()), styles
    with pytest.raises(ValueError):
        rp.cause_phrase(["MEMORY", "CPU", "PSU"], rng)


def test_the_noise_is_there_and_modest():
    rng = np.random.default_rng(2)
    texts = [rp.symptom_phrase(c, rng) for c in sorted(rp.SYMPTOM_BANK) for _ in range(200)]
    texts += [rp.cause_phrase([c], rng) for c in sorted(rp.CAUSE_BANK) for _ in range(200)]
    texts += [rp.cause_phrase(p, rng) for p in _pairs() for _ in range(10)]
    words = [w for t in texts for w in re.findall(r"[A-Za-z]+", t) if len(w) >= 4 and not w.isupper()]
    typo_share = sum(w.casefold() not in VOCAB for w in words) / len(words)
    assert 0.01 < typo_share < 0.12, typo_share
    assert all(w.casefold() in VOCAB or w.casefold() in TYPOS for w in words)
    share = {
        "full-width": np.mean([bool(re.search(r"[\uff21-\uff5a\uff10-\uff19]", t)) for t in texts]),
        "prefix": np.mean([t.startswith(rp.SYMPTOM_PREFIXES + rp.CAUSE_PREFIXES) for t in texts]),
        "abbreviation": np.mean([bool(re.search(r"HDD|DIMM|MB|PSU|NIC", t, re.I)) for t in texts]),
        "English": np.mean([not re.search(r"[\u4e00-\u9fff]", t) for t in texts]),
        "mixed": np.mean([bool(re.search(r"[\u4e00-\u9fff]", t) and re.search(r"[A-Za-z]", t)) for t in texts]),
    }
    assert all(0.02 < v < 0.7 for v in share.values()), share


# --------------------------------------------------------------------------------------------
# the exports

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    raw = tmp_path_factory.mktemp("rephrase_sample")
    write_sample(raw, customers=N)
    return raw


def _copy(sample, tmp_path, name="raw"):
    out = tmp_path / name
    shutil.copytree(sample, out)
    return out


def _rows(path):
    with open(path, encoding=ENCODINGS[path.name], newline="") as fh:
        return list(csv.reader(fh))


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _truth(folder):
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def test_same_seed_gives_identical_files_and_other_seeds_differ(sample, tmp_path):
    a, b, c = (_copy(sample, tmp_path, n) for n in "abc")
    assert rp.rephrase_dispatch_exports(a, SEED) == rp.rephrase_dispatch_exports(b, SEED)
    rp.rephrase_dispatch_exports(c, SEED + 1)
    for f in DISPATCH_FILES:
        assert _digest(a / f) == _digest(b / f)
        assert _digest(a / f) != _digest(c / f)
        rows_a, rows_c = _rows(a / f), _rows(c / f)
        differ = sum(x[C_SYMPTOM] != y[C_SYMPTOM] for x, y in zip(rows_a[1:], rows_c[1:]) if len(x) > C_SYMPTOM)
        assert differ > 0.5 * len(rows_a)


def test_rewritten_files_keep_their_layout(sample, tmp_path):
    raw = _copy(sample, tmp_path)
    truth = _truth(raw)
    counts = rp.rephrase_dispatch_exports(raw, SEED)
    assert set(counts) == set(DISPATCH_FILES)
    for p in sample.iterdir():
        if p.name not in DISPATCH_FILES:
            assert _digest(p) == _digest(raw / p.name), p.name
    assert (raw / DISPATCH_FILES[0]).read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        (raw / DISPATCH_FILES[1]).read_bytes().decode("utf-8")
    assert b"\r\n" in (raw / DISPATCH_FILES[1]).read_bytes()
    for f in DISPATCH_FILES:
        before, after = _rows(sample / f), _rows(raw / f)
        assert len(after) == len(before) == truth["quirks"][f]["rows_read"] + 1
        assert after[0] == before[0]
        assert [r[C_TICKET] for r in after] == [r[C_TICKET] for r in before]
        changed = 0
        for rownum, (x, y) in enumerate(zip(before, after), start=1):
            assert len(x) == len(y)
            assert [v for j, v in enumerate(x) if j not in TEXT_COLUMNS] == \
                   [v for j, v in enumerate(y) if j not in TEXT_COLUMNS]
            if rownum == 1 or len(x) <= C_PREDICTED:
                continue
            assert bool(x[C_CAUSE]) == bool(y[C_CAUSE])
            t = truth["dispatch_truth"].get(x[C_TICKET])
            if t is None or t["reject_reason"] is not None:
                assert x == y, rownum
            else:
                changed += 1
        assert counts[f] == changed > 0
        # the planted exact duplicates are still exact duplicates
        dups = len(after) - 1 - len({tuple(r) for r in after[1:]})
        assert dups == truth["quirks"][f]["exact_duplicates"]


def test_rows_not_in_the_truth_keep_their_text(sample, tmp_path):
    raw = _copy(sample, tmp_path)
    f = raw / DISPATCH_FILES[0]
    rows = _rows(f)
    stranger = list(rows[1])
    stranger[C_TICKET] = "D2007-999999"
    with open(f, "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerow(stranger)
    rp.rephrase_dispatch_exports(raw, SEED)
    assert _rows(f)[-1] == stranger


def test_rewritten_cells_say_the_truth_codes_in_new_words(sample, tmp_path):
    raw = _copy(sample, tmp_path)
    truth = _truth(raw)
    rp.rephrase_dispatch_exports(raw, SEED)
    originals = {x for vs in (*truth["symptom_variants"].values(), *truth["cause_variants"].values()) for x in vs}
    cells = new = 0
    for f in DISPATCH_FILES:
        for x, y in zip(_rows(sample / f)[1:], _rows(raw / f)[1:]):
            t = truth["dispatch_truth"].get(x[C_TICKET])
            if t is None or t["reject_reason"] is not None:
                continue
            assert _says(y[C_SYMPTOM], SYMPTOM_MARKERS[t["symptom_code"]]), (t["symptom_code"], y[C_SYMPTOM])
            assert _says(y[C_PREDICTED], CAUSE_MARKERS[t["predicted_cause_code"]]), y[C_PREDICTED]
            causes = t["cause_codes"]
            if y[C_CAUSE] and len(causes) == 1:
                assert _says(y[C_CAUSE], CAUSE_MARKERS[causes[0]]), (causes, y[C_CAUSE])
            elif y[C_CAUSE]:
                assert _in_order(y[C_CAUSE], *causes), (causes, y[C_CAUSE])
            for j in TEXT_COLUMNS:
                if x[j]:
                    cells += 1
                    new += y[j] != x[j] and y[j].strip() not in originals
    assert new / cells >= 0.8, new / cells
