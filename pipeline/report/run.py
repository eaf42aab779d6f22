"""The main job: clean what is in the raw folder, execute the chapter notebooks, render the report.

Notebooks run through papermill with parameters that are validated first (only names a notebook
declares, only strings, a period that parses), each in its own kernel, into a temporary folder;
the finished report replaces ``reports/<period>/`` in one rename, so a failed run never leaves a
half-written or stale report there. A failed notebook is kept under ``reports/.failed/`` for
inspection and named in the error.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.report import i18n
from pipeline.report.notebooks import CHAPTERS, NOTEBOOK_DIR, execute_all
from pipeline.report.provenance import package_versions, thesis_table_rows
from pipeline.runtime.atomic import atomic_dir


def has_raw_data(raw_dir: Path) -> bool:
    from pipeline.ingest.read import RAW_SUFFIXES

    return raw_dir.is_dir() and any(p.suffix.lower() in RAW_SUFFIXES for p in raw_dir.rglob("*") if p.is_file())


def keep_reviews(target: Path, tmp: Path) -> None:
    """Carry ``target/reviews`` (written by ``python -m pipeline reviews``) into the new report folder."""
    old = target / "reviews"
    if old.is_dir() and not (tmp / "reviews").exists():
        shutil.copytree(old, tmp / "reviews")


def prepare(raw_dir: Path, processed_dir: Path, *, period: str = "", start: str = "", end: str = "",
            sample_if_empty: bool = False, run_date=None, sources_file=None, engine: str = "pandas",
            scheduler=None):
    """What every rendering command does first: sample data into an empty raw folder (when asked),
    clean, write the processed tables, load them and settle the period.

    Returns ``(clean_result, data, period, run_date)``.
    """
    from pipeline.clean import clean
    from pipeline.processed import load_processed, write_processed
    from pipeline.report.chapter import resolve_period

    if not has_raw_data(raw_dir):
        if not sample_if_empty:
            raise PipelineError(f"{raw_dir}: no raw exports (CSV, .xlsx, Parquet); put your exports there or run "
                                f"`python -m pipeline sample-data --out {raw_dir}`")
        from pipeline.sample import write_sample

        write_sample(raw_dir)
    run_date = dt.date.fromisoformat(str(run_date)) if run_date else dt.date.today()
    result = clean(raw_dir, sources_file=sources_file, run_date=run_date, cache_dir=processed_dir / ".cache",
                   engine=engine, scheduler=scheduler)
    write_processed(result, processed_dir)
    data = load_processed(processed_dir)
    return result, data, resolve_period(data, period, start, end, run_date), run_date


def run_report(raw_dir, processed_dir, reports_dir, *, period: str = "", start: str = "", end: str = "",
               lang: str = "en", sample_if_empty: bool = False, run_date=None, pdf: bool = True,
               sources_file=None, progress: bool = False, engine: str = "pandas", scheduler=None) -> Path:
    """Clean, analyse and render; returns the report folder ``reports_dir/<period>``."""
    from pipeline.report.render import render_report

    raw_dir, processed_dir, reports_dir = Path(raw_dir), Path(processed_dir), Path(reports_dir)
    i18n.check_language(lang)
    result, data, chosen, run_date = prepare(raw_dir, processed_dir, period=period, start=start, end=end,
                                             sample_if_empty=sample_if_empty, run_date=run_date,
                                             sources_file=sources_file, engine=engine, scheduler=scheduler)
    target = reports_dir / chosen.label
    failed_dir = reports_dir / ".failed" / chosen.label
    with atomic_dir(target) as tmp:
        executed_dir = tmp / "notebooks"
        executed_dir.mkdir()
        parameters = {"processed_dir": str(processed_dir.resolve()), "out_dir": str(tmp.resolve()),
                      "period": chosen.label if chosen.kind != "custom" else "",
                      "start": chosen.start.date().isoformat() if chosen.kind == "custom" else "",
                      "end": chosen.end.date().isoformat() if chosen.kind == "custom" else "", "lang": lang}
        jobs = [(NOTEBOOK_DIR / name, executed_dir / name, parameters, failed_dir) for name in CHAPTERS]
        executed = execute_all(jobs, progress=progress)
        meta = {"title": i18n.t("doc.title", lang), "subtitle": chosen.label,
                "organisation": i18n.t("doc.organisation", lang), "run_date": run_date.isoformat(),
                "version": __version__, "packages": package_versions(),
                "parameters": {**parameters, "processed_dir": str(processed_dir), "out_dir": str(target),
                               "run_date": run_date.isoformat()},
                "inputs": [{"path": f["path"], "table": f["table"], "sha256": f["sha256"], "rows_read": f["rows_read"],
                            "rows_kept": f["rows_kept"]} for f in result.manifest["files"]]}
        meta["thesis_table"] = thesis_table_rows(data["dispatches"])
        render_report(executed, tmp, lang=lang, meta=meta, pdf=pdf)
        keep_reviews(target, tmp)
    shutil.rmtree(failed_dir, ignore_errors=True)
    return target
