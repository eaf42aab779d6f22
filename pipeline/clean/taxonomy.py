"""Free-text symptoms, causes and part names mapped to codes by the rules in ``taxonomy.yml``.

Mapping works on distinct texts (a branch writes a few hundred distinct symptoms across thousands
of dispatches), so it is cheap on any number of rows and the same on every partition.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.clean.similarity import SimilarityModel
from pipeline.errors import InputError, PipelineError
from pipeline.runtime import strict_yaml
from pipeline.runtime.text import normalise_text

UNMAPPED = "UNMAPPED"
DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy.yml")
# methods a code was decided by (the ``*_method`` columns)
RULE, SIMILARITY, NONE, SOURCE = "rule", "similarity", "none", "source"
# the share of a text's Latin content words the taxonomy must know before similarity may code it
KNOWN_WORDS = 0.5

_PUNCTUATION = re.compile(r"[^\w\s]+|_")
_SPACES = re.compile(r"\s+")
# where a cause cell names a second cause: "主板,內存皆損壞", "replaced MB and DIMM", "A，同時B"
_SEGMENTS = re.compile(r"[,，、;；+/&。\n]|\band\b|\bplus\b|以及|同時|同时|另外|並且|并且|及|和|與|与")


def _script_key(text: str) -> str:
    from pipeline.runtime.text import to_mainland

    return to_mainland(unicodedata.normalize("NFKC", normalise_text(text)).casefold())


def match_key(text: str) -> str:
    """Text as rules and the similarity model see it: invisible characters gone, NFKC (full-width
    forms to half-width), case-folded, either Chinese script and Taiwan or mainland vocabulary
    brought to one form (OpenCC), punctuation made spaces, runs of spaces made one."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", _script_key(text))).strip()


def _keyword_pattern(word: str) -> re.Pattern:
    # a Latin keyword matches whole words only: "nic" must not match "technician", "mb" not "embedded";
    # digits may touch it ("dimm1")
    head = r"(?<![a-z])" if word[:1].isascii() and word[:1].isalpha() else ""
    tail = r"(?![a-z])" if word[-1:].isascii() and word[-1:].isalpha() else ""
    return re.compile(head + re.escape(word) + tail)


@dataclass(frozen=True)
class Coding:
    """How one text was coded: its codes (one for a symptom; one or more for a cause cell, in the
    order written; ``(UNMAPPED,)`` when nothing is confident), the confidence (1.0 for a rule; the
    cosine similarity to the nearest labelled phrase, 0–1, otherwise; the lowest over a cell's
    causes), the method (``rule``, ``similarity`` or ``none``) and, for an unmapped text, the code
    the similarity model would suggest."""

    codes: tuple[str, ...]
    confidence: float
    method: str
    suggestion: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    any_of: tuple[str, ...]
    all_of: tuple[tuple[str, ...], ...]
    labels: tuple[tuple[str, str], ...]
    phrases: tuple[str, ...] = ()
    absorbs: tuple[str, ...] = ()
    # whole texts (as match keys) this code is given outright: an analyst's accepted suggestions
    texts: tuple[str, ...] = ()
    # keywords that name the part only ("HDD", "硬盤"): a code matched by them alone is a weak one,
    # which a code that absorbs it drops anywhere in the cell ("HDD掉了，重新rebuild" is offline)
    nouns: tuple[str, ...] = ()
    # the code says what happened to a part another part of the cell names (offline, loose, pulled by
    # mistake, firmware): it absorbs that part's weak code anywhere in the cell
    absorbs_in_cell: bool = False

    @functools.cached_property
    def _patterns(self):
        return ([_keyword_pattern(w) for w in self.any_of], [_keyword_pattern(w) for w in self.nouns],
                [[_keyword_pattern(w) for w in group] for group in self.all_of])

    def names_part_only(self, key: str) -> bool:
        """The rule matches ``key`` through its ``nouns`` alone."""
        any_of, nouns, _ = self._patterns
        return (any(p.search(key) for p in nouns) and not any(p.search(key) for p in any_of)
                and not self._all_spans(key))

    def _all_spans(self, key: str) -> list[tuple[int, int]]:
        """Where each ``all`` group first matches, or [] unless every group does."""
        every = []
        for group in self._patterns[2]:
            hits = [m.span() for p in group if (m := p.search(key))]
            if not hits:
                return []
            every.append(min(hits))
        return every

    def spans(self, key: str) -> list[tuple[int, int]]:
        """Where the rule's keywords occur in ``key`` (start, end), or [] when it does not match."""
        any_of, nouns, _ = self._patterns
        return [m.span() for p in any_of + nouns if (m := p.search(key))] + self._all_spans(key)

    def examples(self) -> list[str]:
        """The texts the similarity model learns this code from: labels, keywords and phrases."""
        texts = [text for _, text in self.labels] + list(self.any_of + self.nouns) + [
            " ".join(g[0] for g in self.all_of)]
        # not ``texts``: an accepted cell ("after check, 主板不良") would pull every text that shares
        # its wording ("after check, …") towards its code, and shift every n-gram's weight
        texts += list(self.phrases)
        return [match_key(t) for t in texts if t]


@dataclass(frozen=True)
class Taxonomy:
    symptoms: tuple[Rule, ...]
    causes: tuple[Rule, ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...]
    cause_parts: dict
    threshold: float = 0.5
    margin: float = 0.06
    filler: tuple[str, ...] = ()
    # the files merged into this taxonomy, built-in first, and what each local file changed
    files: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()

    def label(self, kind: str, code: str, lang: str) -> str:
        """The display name of a code in ``lang`` (the code itself when the taxonomy has none)."""
        from pipeline.runtime.text import to_simplified

        for rule in getattr(self, kind):
            if rule.code == code and rule.labels:      # a local file's added keywords carry no labels
                labels = dict(rule.labels)
                if lang == "zh-Hans" and "zh-Hant" in labels:
                    return to_simplified(labels["zh-Hant"])
                return labels.get(lang) or labels.get("en") or code
        return code

    @functools.cached_property
    def _models(self) -> dict:
        return {kind: SimilarityModel([(r.code, t) for r in getattr(self, kind) for t in r.examples()])
                for kind in ("symptoms", "causes")}

    @functools.cached_property
    def _absorbers(self) -> dict[str, set[str]]:
        """Per cause code with ``absorbs_in_cell``, the codes it absorbs."""
        out: dict[str, set[str]] = {}
        for rule in self.causes:
            if rule.absorbs_in_cell:
                out.setdefault(rule.code, set()).update(rule.absorbs)
        return out

    @functools.cached_property
    def _exact(self) -> dict:
        """Whole texts given a code outright (``texts``), by kind: match key → codes."""
        out: dict[str, dict[str, list[str]]] = {"symptoms": {}, "causes": {}}
        for kind in out:
            for rule in getattr(self, kind):
                for text in rule.texts:
                    codes = out[kind].setdefault(text, [])
                    if rule.code not in codes:
                        codes.append(rule.code)
        return out

    def _content(self, key: str) -> str:
        """``key`` without the words that name no code ("replaced", "已更換", "正常"): a segment
        of only such words is no cause, and they must not pull a text towards a code."""
        for word in self.filler:
            key = _keyword_pattern(word).sub(" ", key)
        return _SPACES.sub(" ", key).strip()

    def _similar(self, kind: str, key: str) -> Coding:
        key = self._content(key)
        if not key:
            return Coding((UNMAPPED,), 0.0, NONE)
        model = self._models[kind]
        code, score, margin = model.nearest(key)
        if (code is not None and score >= self.threshold and margin >= self.margin
                and model.known_share(key) >= KNOWN_WORDS):
            return Coding((code,), round(score, 4), SIMILARITY)
        return Coding((UNMAPPED,), round(score, 4), NONE, code)

    def code_symptom(self, text) -> Coding | None:
        """The symptom a text reports: the first rule that matches, else the nearest labelled
        phrase when it is similar enough; None for an empty text."""
        if text is None or not str(text).strip():
            return None
        key = match_key(str(text))
        exact = self._exact["symptoms"].get(key)
        if exact:
            return Coding((exact[0],), 1.0, RULE)
        for rule in self.symptoms:
            if rule.spans(key):
                return Coding((rule.code,), 1.0, RULE)
        return self._similar("symptoms", key)

    def _rule_causes(self, key: str) -> list[str]:
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
        return list(dict.fromkeys(code for _, _, code in sorted(chosen)))

    def _absorbed(self, codes: list[str]) -> list[str]:
        """``codes`` less those another code of the same phrase absorbs: the disk named in "pulled the
        wrong disk by mistake" is not a disk fault, the DIMM in "reseated the DIMM" not a memory
        fault; a code that absorbs everything ("no fault found") stands alone."""
        absorbed = {a for rule in self.causes if rule.code in codes for a in rule.absorbs}
        if "*" in absorbed:
            return [r.code for r in self.causes if r.code in codes and "*" in r.absorbs][:1]
        return [c for c in codes if c not in absorbed] or codes

    def code_causes(self, text) -> Coding | None:
        """The causes a cell names, in the order written: each part of the cell (split where a
        second cause begins, "主板,內存皆損壞") by the rules, else by similarity; a part that
        codes to nothing confident adds nothing. None for an empty text."""
        if text is None or not str(text).strip():
            return None
        exact = self._exact["causes"].get(match_key(str(text)))
        if exact:
            return Coding(tuple(exact), 1.0, RULE)
        codes: list[str] = []
        weak: set[str] = set()        # codes a part of the cell gave only by naming the part
        confidence, method, suggestion = 1.0, RULE, None
        for segment in _SEGMENTS.split(_script_key(str(text))):
            key = match_key(segment)
            if not self._content(key):
                continue
            # absorption within one part of the cell: "硬碟損壞，同時更換背板" still names both
            found = self._absorbed(self._rule_causes(key))
            named = {c for c in found if c not in codes and all(
                r.names_part_only(key) for r in self.causes if r.code == c and r.spans(key))}
            if found and named == set(found):
                # only a part is named ("HDD脫離陣列"): the rest of the part of the cell may say what
                # happened to it, and a confident code that absorbs the part's code wins
                similar = self._similar("causes", key)
                if similar.method == SIMILARITY and named <= self._absorbers.get(similar.codes[0], set()):
                    found, named = list(similar.codes), set()
                    confidence, method = min(confidence, similar.confidence), SIMILARITY
            weak |= named
            if not found:
                similar = self._similar("causes", key)
                if similar.method == NONE:
                    suggestion = suggestion or similar.suggestion
                    continue
                found = list(similar.codes)
                confidence, method = min(confidence, similar.confidence), SIMILARITY
            codes += [c for c in found if c not in codes]
        alone = [r.code for r in self.causes if r.code in codes and "*" in r.absorbs]
        if alone:      # "no fault found, disk normal": the disk was checked, not at fault
            return Coding(tuple(alone[:1]), confidence, method)
        absorbed = {a for r in self.causes if r.code in codes and r.absorbs_in_cell for a in r.absorbs}
        codes = [c for c in codes if not (c in weak and c in absorbed)] or codes
        if not codes:
            whole = self._similar("causes", match_key(str(text)))
            return whole if whole.method != NONE else Coding((UNMAPPED,), whole.confidence, NONE,
                                                             whole.suggestion or suggestion)
        return Coding(tuple(codes), confidence, method)

    def symptom_code(self, text: str) -> str | None:
        coded = self.code_symptom(text)
        return None if coded is None else coded.codes[0]

    def cause_codes(self, text: str) -> list[str]:
        coded = self.code_causes(text)
        return [] if coded is None else list(coded.codes)

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
    if "code" not in entry or not any(k in entry for k in ("keywords", "all", "phrases", "texts", "nouns")):
        raise PipelineError(f"{where}: each rule needs 'code' and 'keywords', 'nouns', 'all', 'phrases' or 'texts'")
    norm = lambda words: tuple(match_key(str(w)) for w in words)  # noqa: E731
    labels = tuple((lang, str(entry[lang])) for lang in ("en", "zh-Hant", "zh-Hans") if lang in entry)
    return Rule(code=str(entry["code"]), any_of=tuple(w for w in norm(entry.get("keywords", [])) if w),
                all_of=tuple(norm(g) for g in entry.get("all", [])), labels=labels,
                phrases=tuple(str(p) for p in entry.get("phrases", []) or []),
                absorbs=tuple(str(a) for a in entry.get("absorbs", []) or []),
                texts=tuple(t for t in norm(entry.get("texts", []) or []) if t),
                nouns=tuple(w for w in norm(entry.get("nouns", []) or []) if w),
                absorbs_in_cell=bool(entry.get("absorbs_in_cell", False)))


def read_document(path: str | Path) -> dict:
    """A taxonomy file's YAML (duplicate keys refused, as everywhere)."""
    path = Path(path)
    with open(path, encoding="utf-8") as fh:
        try:
            doc = strict_yaml.safe_load(fh) or {}
        except strict_yaml.DuplicateKeyError as exc:
            raise InputError(str(exc), file=path, row=exc.line) from None
        except Exception as exc:  # noqa: BLE001 - any YAML error, one line naming the file
            raise InputError(f"is not valid YAML: {exc}", file=path) from None
    if not isinstance(doc, dict):
        raise InputError("must be a mapping with 'symptoms', 'causes', 'parts', 'cause_parts', 'similarity'",
                         file=path)
    return doc


def load_taxonomy(path: str | Path = DEFAULT_TAXONOMY, local: str | Path | None = None) -> Taxonomy:
    """The taxonomy in ``path`` (the built-in one by default), with a deployment's own file
    ``local`` merged over it (:func:`pipeline.clean.taxonomy_local.merge_documents`). Built once
    per content of the files: an analyst who edits taxonomy.yml and cleans again in the same
    session gets the edited rules."""
    from pipeline.runtime.atomic import sha256_file

    digests = tuple(sha256_file(p) if Path(p).is_file() else "" for p in (path, local) if p is not None)
    return _load_taxonomy(str(path), None if local is None else str(local), digests)


@functools.lru_cache(maxsize=8)
def _load_taxonomy(path: str, local: str | None, _digests: tuple[str, ...]) -> Taxonomy:
    from pipeline.clean.taxonomy_local import merge_documents

    path = Path(path)
    doc, changes, files = read_document(path), [], [str(path)]
    if local is not None:
        doc, changes = merge_documents(doc, read_document(local), Path(local).name)
        files.append(str(local))
    return taxonomy_from_document(doc, path.name, files=tuple(files), changes=tuple(changes))


def taxonomy_from_document(doc: dict, name: str, files: tuple[str, ...] = (), changes: tuple[str, ...] = ()
                           ) -> Taxonomy:
    similarity = doc.get("similarity") or {}
    return Taxonomy(
        symptoms=tuple(_rule(e, f"{name} symptoms") for e in doc.get("symptoms", [])),
        causes=tuple(_rule(e, f"{name} causes") for e in doc.get("causes", [])),
        parts=tuple((str(code), tuple(match_key(str(w)) for w in words))
                    for code, words in (doc.get("parts") or {}).items()),
        cause_parts={str(k): [str(p) for p in (v or [])] for k, v in (doc.get("cause_parts") or {}).items()},
        threshold=float(similarity.get("threshold", 0.5)), margin=float(similarity.get("margin", 0.06)),
        # longest first, so that "已更換" goes before "更換" would leave a stray "已"
        filler=tuple(sorted({match_key(str(w)) for w in similarity.get("filler", [])} - {""}, key=len, reverse=True)),
        files=files, changes=changes,
    )


def _coded_frame(codings: list, prefix: str, codes_column: str, as_list: bool) -> pd.DataFrame:
    empty = [] if as_list else None
    return pd.DataFrame({
        codes_column: [empty if c is None else (list(c.codes) if as_list else c.codes[0]) for c in codings],
        f"{prefix}_confidence": pd.array([None if c is None else c.confidence for c in codings], dtype="Float64"),
        f"{prefix}_method": [None if c is None else c.method for c in codings],
    })


def code_symptoms(texts: pd.Series, taxonomy: Taxonomy) -> pd.DataFrame:
    """Per text: ``symptom_code``, ``symptom_confidence`` (0–1) and ``symptom_method`` (None for an
    empty text). Call it on distinct texts: the similarity model runs once per text."""
    return _coded_frame([taxonomy.code_symptom(t) for t in texts], "symptom", "symptom_code", as_list=False)


def code_causes(texts: pd.Series, taxonomy: Taxonomy) -> pd.DataFrame:
    """Per cause cell: ``cause_codes`` (a list, [] for an empty cell), ``cause_confidence`` (the
    lowest over the cell's causes) and ``cause_method``."""
    return _coded_frame([taxonomy.code_causes(t) for t in texts], "cause", "cause_codes", as_list=True)


def given_codes(texts: pd.Series, kind: str) -> pd.DataFrame:
    """Texts that already are codes (sources.yml's ``coded_columns``: ServiceNow's ``u_symptom``,
    BPIC's product codes), taken as written: method ``source``, confidence 1. A cause cell may
    list several codes, separated as a part list is (``,``, ``;``, ``/`` …)."""
    from pipeline.clean.parse import split_list

    if kind == "symptoms":
        codings = [None if t is None or not str(t).strip() else Coding((str(t).strip(),), 1.0, SOURCE) for t in texts]
        return _coded_frame(codings, "symptom", "symptom_code", as_list=False)
    lists = split_list(pd.Series(texts, dtype=object))
    codings = [Coding(tuple(dict.fromkeys(items)), 1.0, SOURCE) if len(items) else None for items in lists]
    return _coded_frame(codings, "cause", "cause_codes", as_list=True)


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
