"""How well the taxonomy codes free text it was not written from: coverage and precision on a
labelled set of phrasings (``tests/data/coding_eval/phrases.csv``).

Definitions, per field (symptom, cause):
- **coverage**: the share of texts given a code (anything but ``UNMAPPED``);
- **precision**: among covered texts, the share whose codes equal the label exactly (a two-cause
  cell must give both causes, in the order written);
- per code, precision is over the texts *coded as* that code, coverage over the texts *labelled*
  with it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.clean.taxonomy import UNMAPPED, Taxonomy

EVALUATION_SET = Path(__file__).resolve().parents[2] / "tests" / "data" / "coding_eval" / "phrases.csv"


def load_phrases(path: str | Path = EVALUATION_SET, half: str | None = None) -> pd.DataFrame:
    """The labelled phrasings (``id, field, text, codes, script, variation, half``), one half or all."""
    phrases = pd.read_csv(path, dtype=str, keep_default_na=False)
    return phrases if half is None else phrases[phrases["half"] == half].reset_index(drop=True)


def code_phrases(phrases: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """``phrases`` with ``coded`` (codes joined by ``+``), ``confidence``, ``method``, ``covered``
    and ``correct`` columns."""
    coded = [taxonomy.code_symptom(t) if f == "symptom" else taxonomy.code_causes(t)
             for f, t in zip(phrases["field"], phrases["text"])]
    out = phrases.assign(coded=["+".join(c.codes) for c in coded], confidence=[c.confidence for c in coded],
                         method=[c.method for c in coded])
    out["covered"] = ~out["coded"].str.split("+").map(lambda codes: UNMAPPED in codes)
    out["correct"] = out["covered"] & (out["coded"] == out["codes"])
    return out


def summary(coded: pd.DataFrame) -> pd.DataFrame:
    """Per field: texts, covered, correct, coverage (covered / texts), precision (correct / covered)."""
    g = coded.groupby("field", sort=True)
    out = pd.DataFrame({"texts": g.size(), "covered": g["covered"].sum(), "correct": g["correct"].sum()})
    out["coverage"] = out["covered"] / out["texts"]
    out["precision"] = out["correct"] / out["covered"].where(out["covered"] > 0)
    return out.reset_index()


def per_code(coded: pd.DataFrame) -> pd.DataFrame:
    """Per field and labelled code: texts, coverage; and precision over the texts coded as it."""
    labelled = coded.groupby(["field", "codes"]).agg(texts=("text", "size"), coverage=("covered", "mean"))
    covered = coded[coded["covered"]]
    as_code = covered.groupby(["field", "coded"]).agg(coded_as=("text", "size"), precision=("correct", "mean"))
    as_code.index = as_code.index.set_names(["field", "codes"])
    return labelled.join(as_code, how="outer").reset_index()


def confusions(coded: pd.DataFrame) -> pd.DataFrame:
    """The errors: covered texts coded other than labelled, counted per (field, label, coded)."""
    wrong = coded[coded["covered"] & ~coded["correct"]]
    return (wrong.groupby(["field", "codes", "coded"]).size().rename("texts").reset_index()
            .sort_values(["texts", "field", "codes"], ascending=[False, True, True]).reset_index(drop=True))


def planted_cause_coverage(dispatches: pd.DataFrame, planted: dict) -> dict:
    """How often known cause-given-symptom probabilities (``planted``: symptom → cause → p, as the
    sample's ``truth.json`` holds them) fall inside the 95% intervals that
    :func:`pipeline.analyses.service.cause_given_symptom` (first cause only) estimates from
    ``dispatches``: ``planted`` (the probabilities > 0 the table has a row for), ``inside``,
    ``coverage`` (inside / planted), ``unmapped_symptoms`` (share of dispatches with a symptom text
    left ``UNMAPPED``) and ``left_out`` (dispatches the table left out for an unmapped code)."""
    from pipeline.analyses import service

    table = service.cause_given_symptom(dispatches, first_only=True)
    hits = [(row.ci_low <= p <= row.ci_high) for row in table.itertuples()
            if (p := planted.get(row.symptom_code, {}).get(row.cause_code, 0.0)) > 0]
    with_text = dispatches["symptom_text"].notna()
    return {"planted": len(hits), "inside": int(sum(hits)),
            "coverage": sum(hits) / len(hits) if hits else float("nan"),
            "unmapped_symptoms": float((dispatches.loc[with_text, "symptom_code"] == UNMAPPED).mean()),
            "left_out": int(table.attrs.get("left_out", 0))}
