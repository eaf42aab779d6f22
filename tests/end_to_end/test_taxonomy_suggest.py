"""The analyst's loop over the coding, through the command line: clean, `taxonomy suggest`, accept some
suggestions into taxonomy.yml beside the raw exports, clean again, and the accepted texts are coded
by rule while the rejected ones are not."""

from __future__ import annotations

import html
import json
import shutil

import pandas as pd
import yaml

from pipeline.clean.taxonomy import UNMAPPED, match_key
from pipeline.cli import main
from pipeline.processed import load_processed
from pipeline.report.direct import run_chapters_here
from pipeline.sample.rephrase import rephrase_dispatch_exports
from tests.end_to_end.conftest import visible_text

RUN_DATE = "2026-11-29"


def _codes(processed) -> pd.DataFrame:
    d = load_processed(processed)["dispatches"]
    return pd.DataFrame({"key": d["symptom_text"].map(lambda t: match_key(t) if isinstance(t, str) else None),
                         "code": d["symptom_code"], "method": d["symptom_method"]})


def test_an_accepted_suggestion_changes_the_next_run_and_a_rejected_one_does_not(sample_exports, tmp_path, capsys):
    shared, _truth = sample_exports(60)
    raw = tmp_path / "raw"
    shutil.copytree(shared, raw)
    rephrase_dispatch_exports(raw, seed=3)          # phrasings the taxonomy was not written from
    processed = tmp_path / "processed"
    assert main(["clean", "--raw", str(raw), "--out", str(processed), "--run-date", RUN_DATE]) == 0
    before = _codes(processed)
    assert main(["taxonomy", "suggest", "--processed", str(processed)]) == 0
    said = capsys.readouterr().out
    target = processed / "taxonomy_suggestions.yml"
    assert f"written to {target}" in said
    suggestions = yaml.safe_load(target.read_text(encoding="utf-8"))

    # every unmapped symptom writing is in the file, under a code or as a comment ("no code is near")
    text = target.read_text(encoding="utf-8")
    unmapped = before.loc[before["code"] == UNMAPPED, "key"].dropna().unique()
    listed = {match_key(t) for e in suggestions["symptoms"] for t in e["texts"]}
    commented = {match_key(json.loads(line.split(": ", 1)[1].rsplit("    (", 1)[0]))
                 for line in text.splitlines() if line.startswith("#   symptom: ")}
    assert len(unmapped) > 10 and set(unmapped) <= listed | commented

    # the analyst accepts the suggestions of the first code and rejects the rest
    accepted = suggestions["symptoms"][0]
    code, keys = accepted["code"], {match_key(t) for t in accepted["texts"]}
    rejected = listed - keys
    (raw / "taxonomy.yml").write_text(yaml.safe_dump({"symptoms": [accepted]}, allow_unicode=True), encoding="utf-8")
    assert main(["clean", "--raw", str(raw), "--out", str(processed), "--run-date", RUN_DATE]) == 0
    assert f"local taxonomy {raw / 'taxonomy.yml'} merged over the built-in one (1 change)" in capsys.readouterr().out
    after = _codes(processed)

    now = after[after["key"].isin(keys)]
    assert len(now) and (now["code"] == code).all() and (now["method"] == "rule").all()
    untouched = ~after["key"].isin(keys)           # the rejected suggestions and every other text
    assert after["key"].isin(rejected).sum() > 0
    assert after.loc[untouched, "code"].equals(before.loc[untouched, "code"])
    # the manifest counts exactly the accepted texts whose code changed
    changed = before["key"].isin(keys) & (before["code"] != code)
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    recoded = manifest["taxonomy"]["local"]["recoded"]["symptoms"]
    assert recoded["dispatches"] == int(changed.sum()) > 0
    assert {match_key(r["text"]) for r in recoded["listed"]} == set(before.loc[changed, "key"])

    # a second suggestion run no longer offers what was accepted
    assert main(["taxonomy", "suggest", "--processed", str(processed), "--min-dispatches", "1"]) == 0
    again = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
    offered = {match_key(t) for e in again.get("symptoms", []) for t in e["texts"]}
    assert offered.isdisjoint(keys)

    # chapter 1 says what the local file changed, and lists the texts it coded otherwise
    chapter = run_chapters_here(processed, tmp_path / "report", chapters=["01_data_quality.ipynb"])[0]
    text = html.unescape(visible_text(chapter))
    assert ("The branch's own taxonomy file, taxonomy.yml, was merged over the built-in one (changes it makes: 1; "
            "its rules are tried first)." in text)
    assert f"It coded {recoded['texts']} symptom texts ({recoded['dispatches']} dispatches)" in text
    assert recoded["listed"][0]["text"] in text
