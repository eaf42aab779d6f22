"""Free-text symptoms, causes and part names mapped to codes by the rules in ``taxonomy.yml``.

Mapping works on distinct texts (a branch writes a few hundred distinct symptoms across thousands
of dispatches), so it is cheap on any number of rows and the same on every partition.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import PipelineError
from pipeline.runtime import strict_yaml
from pipeline.runtime.text import normalise_text

UNMAPPED = "UNMAPPED"
DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy.yml")


def match_key(text: str) -> str:
    """Text as rules see it: invisible characters gone, NFKC, case-folded, Traditional script."""
    from pipeline.runtime.text import to_traditional

    return to_traditional(unicodedata.normalize("NFKC", normalise_text(text)).casefold())


@dataclass(frozen=True)
class Rule:
    code: str
    any_of: tuple[str, ...]
    all_of: tuple[tuple[str, ...], ...]
    labels: tuple[tuple[str, str], ...]

    def spans(self, key: str) -> list[tuple[int, int]]:
        """Where the rule's keywords occur in ``key`` (start, end), or [] when it does not match."""
        if self.all_of:
            found = []
            for group in self.all_of:
                hits = [(key.find(w), key.find(w) + len(w)) for w in group if w in key]
                if not hits:
                    return []
                found.append(min(hits))
            return found
        return [(key.find(w), key.find(w) + len(w)) for w in self.any_of if w in key]


@dataclass(frozen=True)
class Taxonomy:
    symptoms: tuple[Rule, ...]
    causes: tuple[Rule, ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...]
    cause_parts: dict

    def label(self, kind: str, code: str, lang: str) -> str:
        """The display name of a code in ``lang`` (the code itself when the taxonomy has none)."""
        from pipeline.runtime.text import to_simplified

        for rule in getattr(self, kind):
            if rule.code == code:
                labels = dict(rule.labels)
                if lang == "zh-Hans" and "zh-Hant" in labels:
                    return to_simplified(labels["zh-Hant"])
                return labels.get(lang) or labels.get("en") or code
        return code

    def symptom_code(self, text: str) -> str | None:
        if not text or not text.strip():
            return None
        key = match_key(text)
        for rule in self.symptoms:
            if rule.spans(key):
                return rule.code
        return UNMAPPED

    def cause_codes(self, text: str) -> list[str]:
        if not text or not text.strip():
            return []
        key = match_key(text)
        hits = []
        for rule in self.causes:
            for start, end in rule.spans(key):
                hits.append((start, -(end - start), end, rule.code))
        hits.sort()
        chosen: list[tuple[int, int, str]] = []
        for start, _, end, code in hits:
            # a keyword inside a longer, already chosen one ("硬盤" inside "硬盤背板") is not a cause of its own
            if any(s <= start and end <= e for s, e, _ in chosen):
                continue
            chosen.append((start, end, code))
        codes = list(dict.fromkeys(code for _, _, code in sorted(chosen)))
        return codes or [UNMAPPED]

    def part_code(self, text: str) -> str:
        key = match_key(text)
        for code, words in self.parts:
            if key == code.casefold() or any(w == key for w in words):
                return code
        for code, words in self.parts:
            if any(w in key for w in words):
                return code
        return UNMAPPED


def _rule(entry: dict, where: str) -> Rule:
    if "code" not in entry or not ("keywords" in entry or "all" in entry):
        raise PipelineError(f"{where}: each rule needs 'code' and 'keywords' or 'all'")
    norm = lambda words: tuple(match_key(str(w)) for w in words)  # noqa: E731
    labels = tuple((lang, str(entry[lang])) for lang in ("en", "zh-Hant", "zh-Hans") if lang in entry)
    return Rule(code=str(entry["code"]), any_of=norm(entry.get("keywords", [])),
                all_of=tuple(norm(g) for g in entry.get("all", [])), labels=labels)


@functools.lru_cache(maxsize=8)
def load_taxonomy(path: str | Path = DEFAULT_TAXONOMY) -> Taxonomy:
    path = Path(path)
    with open(path, encoding="utf-8") as fh:
        doc = strict_yaml.safe_load(fh) or {}
    return Taxonomy(
        symptoms=tuple(_rule(e, f"{path.name} symptoms") for e in doc.get("symptoms", [])),
        causes=tuple(_rule(e, f"{path.name} causes") for e in doc.get("causes", [])),
        parts=tuple((str(code), tuple(match_key(str(w)) for w in words))
                    for code, words in (doc.get("parts") or {}).items()),
        cause_parts={str(k): [str(p) for p in (v or [])] for k, v in (doc.get("cause_parts") or {}).items()},
    )


def map_symptoms(texts: pd.Series, taxonomy: Taxonomy) -> pd.Series:
    """Symptom code per dispatch (``UNMAPPED`` when no rule matches, None when empty)."""
    from pipeline.clean.parse import map_unique

    return map_unique(texts, taxonomy.symptom_code)


def map_causes(texts: pd.Series, taxonomy: Taxonomy) -> pd.Series:
    """A list of cause codes per dispatch: a cell naming two causes gives two codes."""
    from pipeline.clean.parse import map_unique

    return map_unique(texts, taxonomy.cause_codes)


def map_parts(lists: pd.Series, taxonomy: Taxonomy) -> pd.Series:
    """Lists of part names → lists of part codes, order kept, repeats dropped."""
    cache: dict[str, str] = {}

    def codes(items):
        out = []
        for item in items:
            if item not in cache:
                cache[item] = taxonomy.part_code(item)
            out.append(cache[item])
        return list(dict.fromkeys(out))

    return lists.map(codes)
