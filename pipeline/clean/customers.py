"""One ``customer_id`` per real customer, across all four tables.

Names are compared by :func:`name_key`: NFKC, invisible characters and punctuation removed,
case-folded, Traditional script, legal-form suffixes (有限公司, Co., Ltd …) dropped. A name is
resolved, in this order, by: an override in ``customer_aliases.yml``; the customers table (names
and listed aliases); an exact key match with a name already resolved; a fuzzy match (rapidfuzz
``ratio`` on the keys) at or above ``threshold``; otherwise it is a customer of its own with an id
derived from its key, so the id is stable from run to run. Every resolution is returned, so merges
can be listed with their score and overridden.

Two guards keep merges honest: names whose digits differ (``Value 1`` / ``Value 16``, branch
numbers) are never merged by fuzzy matching; and a short name that is not in the registry is taken
as an abbreviation of a registry customer (:func:`abbreviation_of`) only when it points at exactly
one registry customer — ``中國銀行`` → ``中國銀行杭州分行``, ``省地稅局`` → ``浙江省地方稅務局`` — so two
registry customers are never merged with each other.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.runtime import strict_yaml
from pipeline.runtime.text import normalise_text

FUZZY_THRESHOLD = 88.0
_LEGAL_SUFFIXES = ("股份有限公司", "有限責任公司", "有限公司", "公司", "colimited", "coltd", "ltd", "limited",
                   "inc", "llc", "plc", "gmbh", "corp", "corporation", "co")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def name_key(name: str) -> str:
    """The comparison key of a customer name (see the module docstring)."""
    from pipeline.runtime.text import to_traditional

    text = unicodedata.normalize("NFKC", normalise_text(str(name))).casefold()
    key = _PUNCT.sub("", to_traditional(text))
    changed = True
    while changed and key:
        changed = False
        for suffix in _LEGAL_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                key = key[: -len(suffix)]
                changed = True
    return key


_DIGITS = re.compile(r"\d+")
_CJK = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")
MIN_CONTAINED = 2       # a CJK name of 2+ characters found inside exactly one registry name
MIN_ABBREVIATION = 3    # 3+ characters found in order (not adjacent) inside exactly one registry name


def _digits(key: str) -> list[str]:
    return _DIGITS.findall(key)


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def abbreviation_of(key: str, registry: dict[str, str]) -> tuple[str, str, float] | None:
    """The one registry customer a short Chinese name abbreviates, if exactly one.

    ``registry``: name key → customer_id. The key must be Chinese characters only and shorter than
    the registry name. First as a contiguous part (``中國銀行`` in ``中國銀行杭州分行``, at least
    :data:`MIN_CONTAINED` characters), else as characters in order (``浙江農信`` in
    ``浙江省農村信用社聯合社``, at least :data:`MIN_ABBREVIATION`). When a name begins several
    registry names, the uniquely shortest (the nearest expansion) is taken. Returns ``(customer_id, matched
    key, score, method)`` with the score the share of the registry name the short name covers (0–100), or
    None when no registry customer or more than one fits.
    """
    if not key or not _CJK.match(key):
        return None
    for method, test, minimum in (("contained", lambda k: key in k, MIN_CONTAINED),
                                  ("abbreviation", lambda k: _is_subsequence(key, k), MIN_ABBREVIATION)):
        if len(key) < minimum:
            continue
        hits: dict[str, str] = {}
        for k, cid in registry.items():
            if len(k) > len(key) and _digits(k) == _digits(key) and test(k):
                # a customer known under several names: its shortest matching one (highest coverage),
                # so the score does not depend on the order the names come in
                if cid not in hits or (len(k), k) < (len(hits[cid]), hits[cid]):
                    hits[cid] = k
        if len(hits) == 1:
            cid, k = next(iter(hits.items()))
            return cid, k, round(100.0 * len(key) / len(k), 1), method
        if len(hits) > 1 and method == "contained" and all(k.startswith(key) for k in hits.values()):
            # 日本三井住友銀行 begins both 日本三井住友銀行杭州分行 and …杭州蕭山支行: the nearest
            # expansion (uniquely shortest name) is the office the short name stands for
            shortest = sorted(hits.items(), key=lambda kv: len(kv[1]))
            if len(shortest[0][1]) < len(shortest[1][1]):
                cid, k = shortest[0]
                return cid, k, round(100.0 * len(key) / len(k), 1), method
        if len(hits) > 1:
            return None      # ambiguous: never guess between two registry customers
    return None


def derived_id(key: str) -> str:
    """A stable id for a customer known only by name: ``N`` + 10 hex digits of its key's SHA-1."""
    return "N" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10].upper()


def load_overrides(raw_dir: Path) -> dict[str, str]:
    """``customer_aliases.yml``: ``{aliases: {name as written: canonical name or customer id}}``."""
    path = Path(raw_dir) / "customer_aliases.yml"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        try:
            doc = strict_yaml.safe_load(fh) or {}
        except strict_yaml.DuplicateKeyError as exc:   # one name given two targets: which is meant?
            raise InputError(str(exc), file=path, row=exc.line) from None
    aliases = doc.get("aliases") or {}
    if not isinstance(aliases, dict):
        raise InputError("'aliases' must map a name to a canonical name or customer id", file=path)
    return {str(k): str(v) for k, v in aliases.items()}


def resolve_customers(registry: pd.DataFrame, names: pd.Series, *, overrides: dict[str, str] | None = None,
                      threshold: float = FUZZY_THRESHOLD) -> pd.DataFrame:
    """Resolve customer names to ids.

    ``registry``: customer_id, customer_name, aliases (list) — from the customers table and from
    sales rows that carry both an id and a name. ``names``: every name written in the data
    (repeats allowed; more frequent names are resolved first so they become the canonical ones).
    Returns one row per distinct written name: ``name``, ``customer_id``, ``canonical_name``,
    ``method`` (override | registry | exact | fuzzy | contained | abbreviation | new) and ``score``
    (0–100: the fuzzy ratio, or the share of the registry name an abbreviation covers).
    """
    from rapidfuzz import fuzz, process

    overrides = overrides or {}
    by_key: dict[str, tuple[str, str]] = {}       # key -> (customer_id, canonical name)
    ids: dict[str, str] = {}                     # customer_id -> canonical name
    for row in registry.itertuples(index=False):
        cid, cname = str(row.customer_id), str(row.customer_name)
        ids.setdefault(cid, cname)
        for alias in [cname, *(row.aliases if isinstance(row.aliases, list) else [])]:
            if alias:
                by_key.setdefault(name_key(alias), (cid, ids[cid]))
    counts = names[names.astype(str).str.strip() != ""].astype(str).value_counts()
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], name_key(kv[0]), kv[0]))
    registry_keys = dict.fromkeys(by_key)           # ordered: a set's order changes with PYTHONHASHSEED
    out = []
    for name, _ in ordered:
        key = name_key(name)
        if name in overrides:
            target = overrides[name]
            if target in ids:
                cid, canonical = target, ids[target]
            else:
                tkey = name_key(target)
                cid, canonical = by_key.get(tkey, (derived_id(tkey), target))
                ids.setdefault(cid, canonical)
            by_key.setdefault(key, (cid, canonical))
            out.append((name, cid, canonical, "override", 100.0))
            continue
        if key in by_key:
            cid, canonical = by_key[key]
            out.append((name, cid, canonical, "registry" if key in registry_keys else "exact", 100.0))
            continue
        digits = _digits(key)
        candidates = [k for k in by_key if _digits(k) == digits]
        match = process.extractOne(key, candidates, scorer=fuzz.ratio, score_cutoff=threshold) if key else None
        if match is not None:
            cid, canonical = by_key[match[0]]
            by_key[key] = (cid, canonical)
            out.append((name, cid, canonical, "fuzzy", round(float(match[1]), 1)))
            continue
        short = abbreviation_of(key, {k: by_key[k][0] for k in registry_keys})
        if short is not None:
            cid, _matched, score, method = short
            canonical = ids.get(cid, by_key[_matched][1])
            by_key[key] = (cid, canonical)
            out.append((name, cid, canonical, method, score))
            continue
        cid = derived_id(key)
        by_key[key] = (cid, name)
        ids.setdefault(cid, name)
        out.append((name, cid, name, "new", 100.0))
    return pd.DataFrame(out, columns=["name", "customer_id", "canonical_name", "method", "score"])


_TIERS = {"vip": "VIP", "重要": "VIP", "重要客戶": "VIP", "重要客户": "VIP", "key": "VIP",
          "large": "large", "大客戶": "large", "大客户": "large", "大型": "large", "enterprise": "large",
          "smb": "SMB", "sme": "SMB", "small": "SMB", "medium": "SMB", "中小": "SMB", "中小客戶": "SMB",
          "中小客户": "SMB", "中小企業": "SMB", "中小企业": "SMB"}


def normalise_tier(raw: pd.Series) -> pd.Series:
    """``VIP`` | ``large`` | ``SMB`` from the ways exports write tiers; None when unknown."""
    return raw.astype("string").fillna("").map(
        lambda s: _TIERS.get(normalise_text(s).casefold())).astype("object")
