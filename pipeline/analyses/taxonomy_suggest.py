"""Coding suggestions for the analyst to accept: the texts the taxonomy left unmapped or coded
only by a weak similarity, each with the code it is nearest, written as a local taxonomy file.

The file the suggestions go into has the layout of a deployment's own ``taxonomy.yml``
(:mod:`pipeline.clean.taxonomy_local`): each suggestion is a whole text under ``texts:`` of its
code, which gives that exact text that code outright. The analyst deletes the lines they reject,
corrects a code where the suggestion is wrong, and saves the rest as ``taxonomy.yml`` beside the
raw exports; the next clean codes those texts by rule.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.clean.taxonomy import UNMAPPED, match_key

# similarity-coded texts below this confidence are offered for confirmation too
LOW_CONFIDENCE = 0.5
# a nearest code less similar than this is no suggestion: the text is listed for a rule to be written
# ("卡没插紧", a card not seated, is 0.13 from a damaged disk)
NEAR = 0.15
SUGGESTION_COLUMNS = ["kind", "text", "dispatches", "method", "confidence", "suggested"]


def coding_suggestions(dispatches: pd.DataFrame, taxonomy, *, low_confidence: float = LOW_CONFIDENCE,
                       min_dispatches: int = 1) -> pd.DataFrame:
    """One row per distinct symptom or cause text that is unmapped, or coded by similarity with a
    confidence (cosine similarity, 0–1) below ``low_confidence``, used by at least
    ``min_dispatches`` dispatches. ``suggested`` is the code the taxonomy finds nearest (for a cause
    cell coded by similarity, its codes joined by ", "); None where no code is near at all.
    Texts equal after case, script and punctuation are folded into their most frequent writing.
    Most dispatches first."""
    rows = []
    for kind, column, code_column, method_column, confidence_column in (
            ("symptom", "symptom_text", "symptom_code", "symptom_method", "symptom_confidence"),
            ("cause", "cause_text", "cause_codes", "cause_method", "cause_confidence")):
        if column not in dispatches or not len(dispatches):
            continue
        frame = dispatches[[column, code_column]].copy()
        frame["_method"] = dispatches[method_column] if method_column in dispatches else None
        frame["_confidence"] = dispatches[confidence_column] if confidence_column in dispatches else None
        frame = frame[frame[column].notna()]
        if kind == "symptom":
            codes = frame[code_column].astype("string")
        else:
            codes = frame[code_column].map(lambda c: ", ".join(list(c)) if c is not None else "")
        unmapped = codes == UNMAPPED
        weak = (frame["_method"] == "similarity") & (pd.to_numeric(frame["_confidence"]) < low_confidence)
        chosen = frame[(unmapped | weak).fillna(False).to_numpy(dtype=bool)]
        if chosen.empty:
            continue
        counts = chosen.groupby(chosen[column].astype("string"), sort=False).size()
        # texts that differ only in case, script or punctuation are one suggestion (``texts:``
        # matches them all), shown as their most frequent writing
        keyed = pd.DataFrame({"text": counts.index.astype(str), "n": counts.to_numpy()})
        keyed["key"] = keyed["text"].map(match_key)
        keyed = keyed.sort_values(["n", "text"], ascending=[False, True])
        for key, group in keyed.groupby("key", sort=False):
            text = group["text"].iloc[0]
            coded = taxonomy.code_symptom(text) if kind == "symptom" else taxonomy.code_causes(text)
            if coded is None or not key:
                continue
            suggested = coded.suggestion if coded.method == "none" else ", ".join(coded.codes)
            rows.append({"kind": kind, "text": text, "dispatches": int(group["n"].sum()), "method": coded.method,
                         "confidence": float(coded.confidence), "suggested": suggested})
    out = pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)
    out = out[out["dispatches"] >= min_dispatches]
    return out.sort_values(["dispatches", "kind", "text"], ascending=[False, False, True]).reset_index(drop=True)


def _quoted(text: str) -> str:
    # a JSON string is a YAML double-quoted scalar: any text, any script, safely
    return json.dumps(text, ensure_ascii=False)


def suggestions_yaml(suggestions: pd.DataFrame, taxonomy, *, source: str = "") -> str:
    """``suggestions`` (:func:`coding_suggestions`) as a local taxonomy file: per kind and code, the
    texts to give that code, each with its dispatches, method and similarity as a comment; the texts
    no code is near listed as comments at the end, for rules the analyst writes."""
    lines = [
        "# Coding suggestions" + (f" from {source}" if source else "") + ": texts the taxonomy left unmapped",
        f"# or coded by a weak similarity (below {LOW_CONFIDENCE}), each under the code nearest to it.",
        "# Review every line: delete a text to reject its suggestion, or move it under the right code.",
        "# Then save this file as taxonomy.yml beside the raw exports (or add these entries to the one",
        "# there) and clean again: each text kept here is then coded by rule (`texts:` codes that exact",
        "# text, whatever case, script or punctuation it is written in).",
    ]
    nowhere = []
    for kind in ("symptom", "cause"):
        rows = suggestions[suggestions["kind"] == kind]
        by_code: dict[str, list] = {}
        for r in rows.itertuples(index=False):
            if not r.suggested or (r.method == "none" and r.confidence < NEAR):
                nowhere.append(r)
                continue
            for code in str(r.suggested).split(", "):
                by_code.setdefault(code, []).append(r)
        if not by_code:
            continue
        lines += ["", f"{kind}s:"]
        for code in sorted(by_code, key=lambda c: (-sum(r.dispatches for r in by_code[c]), c)):
            lines += [f"  - code: {code}    # {taxonomy.label(f'{kind}s', code, 'en')}", "    texts:"]
            for r in by_code[code]:
                how = "unmapped, similarity" if r.method == "none" else "coded by similarity"
                plural = "es" if r.dispatches != 1 else ""
                lines.append(f"      - {_quoted(r.text)}    # {r.dispatches} dispatch{plural}; "
                             f"{how} {r.confidence:.2f}")
    if nowhere:
        lines += ["", "# No code is near these texts: write a rule for them (a new code needs an `en` label),",
                  "# or leave them unmapped."]
        lines += [f"#   {r.kind}: {_quoted(r.text)}    ({r.dispatches} dispatch{'es' if r.dispatches != 1 else ''}"
                  + (f"; nearest {r.suggested} at {r.confidence:.2f}" if r.suggested else "") + ")" for r in nowhere]
    return "\n".join(lines) + "\n"


def write_suggestions(processed_dir, out: str | Path | None = None, *, low_confidence: float = LOW_CONFIDENCE,
                      min_dispatches: int = 1) -> tuple[Path, pd.DataFrame]:
    """Suggestions for the processed tables in ``processed_dir``, written atomically to ``out``
    (default ``PROCESSED/taxonomy_suggestions.yml``); returns the path and the suggestions. The
    taxonomy is the one the clean coded with (a local file included)."""
    from pipeline.clean.taxonomy_local import taxonomy_from_manifest
    from pipeline.processed import load_processed
    from pipeline.runtime.atomic import write_text

    processed_dir = Path(processed_dir)
    tables = load_processed(processed_dir)
    manifest = json.loads((processed_dir / "manifest.json").read_text(encoding="utf-8"))
    taxonomy = taxonomy_from_manifest(manifest)
    found = coding_suggestions(tables["dispatches"], taxonomy, low_confidence=low_confidence,
                               min_dispatches=min_dispatches)
    target = Path(out) if out else processed_dir / "taxonomy_suggestions.yml"
    write_text(target, suggestions_yaml(found, taxonomy, source=str(processed_dir)))
    return target, found
