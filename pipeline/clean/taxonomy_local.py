"""A deployment's own taxonomy file merged over the built-in one, and what it changed.

The local file (``taxonomy.yml`` beside the raw exports, or the file sources.yml names under
``taxonomy:``) has the built-in file's layout and holds only what differs:

- an entry whose ``code`` the built-in taxonomy has adds its ``keywords``, ``all``, ``phrases``,
  ``texts`` and ``absorbs`` to that code and may relabel it (``en``, ``zh-Hant``, ``zh-Hans``);
  with ``replace: true`` it replaces the built-in rule outright;
- an entry with a new code adds that code (it needs an ``en`` label);
- ``parts`` adds words to a part code, ``cause_parts`` replaces a cause's parts, and
  ``similarity`` replaces the threshold or margin and adds filler words.

Local rules are tried before the built-in ones, so where both match a symptom text the local rule
decides it: that is what writing one means. :func:`recoded_texts` lists the texts whose coding the
local file changed, for the manifest and chapter 1.
"""

from __future__ import annotations

import copy

import pandas as pd

from pipeline.errors import InputError

RULE_LISTS = ("keywords", "nouns", "all", "phrases", "texts", "absorbs")
LABELS = ("en", "zh-Hant", "zh-Hans")
SECTIONS = ("similarity", "symptoms", "causes", "parts", "cause_parts")
# how many recoded texts the manifest lists, most dispatches first (the counts cover them all)
RECODED_LISTED = 50


def _count(entry: dict, key: str) -> str:
    n = len(entry[key])
    word = {"all": "keyword group", "texts": "text", "absorbs": "absorbed code"}.get(key, key.rstrip("s"))
    return f"{n} {word}{'s' if n != 1 else ''}"


def merge_documents(base: dict, local: dict, name: str) -> tuple[dict, list[str]]:
    """``base`` (a taxonomy document) with ``local`` merged over it, and one line per change
    ("symptoms HDD_AMBER: 2 texts added, tried before the built-in rules"). ``name`` names the
    local file in errors."""
    unknown = set(local) - set(SECTIONS)
    if unknown:
        raise InputError(f"unknown top-level keys {sorted(unknown)}; known: {', '.join(SECTIONS)}", file=name)
    merged = copy.deepcopy(base)
    changes: list[str] = []
    for kind in ("symptoms", "causes"):
        built = merged.get(kind) or []
        first = []                        # the local rules, tried before the built-in ones
        for i, entry in enumerate(local.get(kind) or [], 1):
            if not isinstance(entry, dict) or not entry.get("code"):
                raise InputError(f"{kind} entry {i} needs a 'code'", file=name)
            code = str(entry["code"])
            bad = set(entry) - {"code", "replace", "absorbs_in_cell", *RULE_LISTS, *LABELS}
            if bad:
                raise InputError(f"{kind} entry {i} ({code}): unknown keys {sorted(bad)}; known: code, replace, "
                                 f"absorbs_in_cell, {', '.join(RULE_LISTS + LABELS)}", file=name)
            if code == "UNMAPPED":
                raise InputError(f"{kind} entry {i}: UNMAPPED is what no rule gives, not a code to write", file=name)
            given = [k for k in RULE_LISTS if entry.get(k)]
            existing = next((e for e in built if str(e.get("code")) == code), None)
            if existing is None:
                if "en" not in entry or not any(k in given for k in ("keywords", "nouns", "all", "phrases", "texts")):
                    raise InputError(f"{kind} entry {i}: {code} is not a built-in code; a new code needs an 'en' "
                                     f"label and 'keywords', 'all', 'phrases' or 'texts'", file=name)
                first.append({k: v for k, v in entry.items() if k != "replace"})
                changes.append(f"{kind} {code}: new code ({', '.join(_count(entry, k) for k in given)})")
                continue
            relabelled = [k for k in LABELS if k in entry and entry[k] != existing.get(k)]
            if entry.get("replace"):
                built = [e for e in built if str(e.get("code")) != code]
                kept_labels = {k: existing[k] for k in LABELS if k in existing and k not in entry}
                first.append({**kept_labels, **{k: v for k, v in entry.items() if k != "replace"}})
                changes.append(f"{kind} {code}: built-in rule replaced")
                continue
            for k in relabelled:
                existing[k] = entry[k]
            if given:
                first.append({"code": code, **{k: entry[k] for k in given}})
            said = [f"{', '.join(_count(entry, k) for k in given)} added, tried before the built-in rules"] if given \
                else []
            said += [f"relabelled ({', '.join(relabelled)})"] if relabelled else []
            if said:
                changes.append(f"{kind} {code}: {'; '.join(said)}")
        merged[kind] = first + built
    _merge_parts(merged, local, name, changes)
    return merged, changes


def _merge_parts(merged: dict, local: dict, name: str, changes: list[str]) -> None:
    for key in ("parts", "cause_parts"):
        given = local.get(key) or {}
        if not isinstance(given, dict):
            raise InputError(f"'{key}' must map codes to lists", file=name)
        target = merged.setdefault(key, {}) or {}
        merged[key] = target
        for code, words in given.items():
            words = [str(w) for w in (words or [])]
            if key == "parts":
                target[code] = list(dict.fromkeys([*(target.get(code) or []), *words]))
                changes.append(f"parts {code}: {len(words)} word{'s' if len(words) != 1 else ''} added")
            else:
                changes.append(f"cause_parts {code}: {target.get(code) or []} → {words}")
                target[code] = words
    similarity = local.get("similarity") or {}
    bad = set(similarity) - {"threshold", "margin", "filler"}
    if bad:
        raise InputError(f"similarity: unknown keys {sorted(bad)}; known: threshold, margin, filler", file=name)
    target = merged.setdefault("similarity", {}) or {}
    merged["similarity"] = target
    for key in ("threshold", "margin"):
        if key in similarity:
            value = similarity[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise InputError(f"similarity.{key} is {value!r}; give a number from 0 to 1", file=name)
            changes.append(f"similarity.{key}: {target.get(key)} → {value}")
            target[key] = value
    if similarity.get("filler"):
        target["filler"] = [*(target.get("filler") or []), *similarity["filler"]]
        changes.append(f"similarity.filler: {len(similarity['filler'])} words added")


def recoded_texts(dispatches: pd.DataFrame, built_in, merged) -> dict:
    """The symptom and cause texts the local file codes differently from the built-in taxonomy:
    per kind, how many distinct texts and dispatches, and the texts themselves (most dispatches
    first, at most :data:`RECODED_LISTED`) with the built-in and the local codes."""
    out = {}
    for kind, column, code_one in (("symptoms", "symptom_text", built_in.code_symptom),
                                   ("causes", "cause_text", built_in.code_causes)):
        coded = "symptom_code" if kind == "symptoms" else "cause_codes"
        if column not in dispatches or not len(dispatches):
            out[kind] = {"texts": 0, "dispatches": 0, "listed": []}
            continue
        texts = dispatches[column].astype("string")
        counts = texts.value_counts()
        first = dispatches.groupby(texts, sort=False, observed=True)[coded].first()
        rows = []
        for text, n in counts.items():
            before = code_one(text)
            before = ", ".join(before.codes) if before is not None else ""
            now = first[text]
            now = ", ".join(list(now)) if kind == "causes" else str(now)
            if before != now:
                rows.append({"text": str(text), "dispatches": int(n), "built_in": before, "local": now})
        rows.sort(key=lambda r: (-r["dispatches"], r["text"]))
        out[kind] = {"texts": len(rows), "dispatches": sum(r["dispatches"] for r in rows),
                     "listed": rows[:RECODED_LISTED]}
    return out


def taxonomy_from_manifest(manifest: dict | None):
    """The taxonomy a clean coded with, from its manifest: the built-in one, with the local
    document the manifest recorded merged over it (the report labels a local code as clean coded
    it, even when the local file has changed since)."""
    from pipeline.clean.taxonomy import DEFAULT_TAXONOMY, load_taxonomy, read_document, taxonomy_from_document

    local = ((manifest or {}).get("taxonomy") or {}).get("local")
    if not local:
        return load_taxonomy()
    doc, changes = merge_documents(read_document(DEFAULT_TAXONOMY), local["document"], local["file"])
    return taxonomy_from_document(doc, local["file"], files=(str(DEFAULT_TAXONOMY), local["file"]),
                                  changes=tuple(changes))
