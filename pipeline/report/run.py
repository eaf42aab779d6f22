"""The main job: clean what is in the raw folder, execute the chapter notebooks, render the report.

Notebooks run through papermill with parameters that are validated first (only names a notebook
declares, only strings, a period that parses), each in its own kernel, into a temporary folder;
the finished report replaces ``reports/<period>/`` in one rename, so a failed run never leaves a
half-written or stale report there. A failed notebook is kept under ``reports/.failed/`` for
inspection and named in the error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import re
import shutil
from pathlib import Path

from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.report import i18n
from pipeline.report.notebooks import CHAPTERS, NOTEBOOK_DIR, execute_all
from pipeline.report.provenance import package_versions, thesis_table_rows
from pipeline.runtime.atomic import atomic_dir
from pipeline.runtime.memory import release_freed_memory

# The only folder the sample is ever written into: the default raw folder, and only while it is empty.
DEFAULT_RAW = Path("data/raw")


def has_raw_data(raw_dir: Path, sources_file=None) -> bool:
    """Whether there is anything to clean: a raw export in ``raw_dir`` (compressed ones included) or a
    sources.yml there (or ``sources_file``) that lists files, wherever they are."""
    from pipeline.ingest.read import RAW_SUFFIXES, data_suffix

    raw_dir = Path(raw_dir)
    if sources_file or any((raw_dir / n).exists() for n in ("sources.yml", "sources.yaml")):
        return True
    return raw_dir.is_dir() and any(data_suffix(p)[0] in RAW_SUFFIXES for p in raw_dir.rglob("*") if p.is_file()
                                    and not p.name.startswith("."))


@contextlib.contextmanager
def kernel_files_in(folder: Path):
    """Kernels write their connection files into ``folder`` (inside the run's temporary folder), so a run
    killed part-way leaves them where the next run sweeps them, not in the user's runtime directory."""
    runtime = folder / ".kernels"
    runtime.mkdir(exist_ok=True)
    before = os.environ.get("JUPYTER_RUNTIME_DIR")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
    try:
        yield runtime
    finally:
        if before is None:
            os.environ.pop("JUPYTER_RUNTIME_DIR", None)
        else:
            os.environ["JUPYTER_RUNTIME_DIR"] = before
        shutil.rmtree(runtime, ignore_errors=True)


def keep_reviews(target: Path, tmp: Path) -> None:
    """Carry ``target/reviews`` (written by ``python -m pipeline reviews``) into the new report folder."""
    old = target / "reviews"
    if old.is_dir() and not (tmp / "reviews").exists():
        shutil.copytree(old, tmp / "reviews")


def prepare(raw_dir: Path, processed_dir: Path, *, period: str = "", start: str = "", end: str = "",
            sample_if_empty: bool = False, run_date=None, sources_file=None, engine: str = "pandas",
            scheduler=None, say=None):
    """What every rendering command does first: sample data into an empty raw folder (when asked),
    clean, write the processed tables, load them and settle the period.

    Returns ``(clean_result, data, period, run_date)``.
    """
    from pipeline.clean import clean
    from pipeline.processed import load_processed, write_processed
    from pipeline.report.chapter import resolve_period

    if not has_raw_data(raw_dir, sources_file):
        # the sample goes only into the default raw folder: never mixed into a folder a user named
        if not (sample_if_empty and Path(raw_dir).resolve() == DEFAULT_RAW.resolve()):
            raise PipelineError(f"{raw_dir}: no raw exports (CSV, .xlsx, Parquet) and no sources.yml; put your "
                                f"exports there, or run `python -m pipeline sample-data --out {raw_dir}` to try the "
                                f"sample")
        from pipeline.sample import write_sample

        write_sample(raw_dir)
        if say is not None:
            say(f"{raw_dir} held no exports: the sample exports were written there")
    run_date = dt.date.fromisoformat(str(run_date)) if run_date else dt.date.today()
    result = clean(raw_dir, sources_file=sources_file, run_date=run_date, cache_dir=processed_dir / ".cache",
                   engine=engine, scheduler=scheduler)
    write_processed(result, processed_dir)
    data = load_processed(processed_dir)
    return result, data, resolve_period(data, period, start, end, run_date), run_date


def accounting_lines(manifest: dict) -> list[str]:
    """The row accounting of a clean, one line per raw file: read = kept + rejected + duplicates (+ the
    earlier states of a state log, in a column of their own when a file has them)."""
    files = manifest["files"]
    width = max((len(f["path"]) for f in files), default=4)
    states = any(f.get("states_folded") for f in files)
    lines = [f"{'file':<{width}}  {'read':>9}  {'kept':>9}  {'rejected':>9}  {'duplicates':>10}"
             + (f"  {'states':>9}" if states else "")]
    for f in files:
        lines.append(f"{f['path']:<{width}}  {f['rows_read']:>9,}  {f['rows_kept']:>9,}  {f['rows_rejected']:>9,}  "
                     f"{f['duplicates']:>10,}" + (f"  {f.get('states_folded', 0):>9,}" if states else ""))
    return lines


def warning_lines(manifest: dict) -> list[str]:
    """One line per warning about a raw file (a large loss, a detected state log, a truncated export),
    as the run ends with them."""
    return [f"warning: {f['path']}: {w['message']}" for f in manifest["files"]
            for w in f.get("warnings", []) if isinstance(w, dict) and w.get("message")]


def sweep_leftovers(folder: Path, name: str = r"[0-9][0-9A-Za-z_-]*") -> list[Path]:
    """Remove what a run killed part-way left in ``folder``: the temporary folders atomic writes build
    beside an output called ``name`` (a regular expression; by default a period label) and the old ones
    they move aside, ``.<name>.xxxxxxxx`` and ``.<name>.old.xxxxxxxx``. Runs under the folder lock, so no
    other run is writing there; nothing else is touched. Returns what it removed."""
    pattern = re.compile(rf"^\.{name}\.(old\.)?[a-z0-9_]{{8}}$")
    removed = []
    if folder.is_dir():
        for leftover in folder.iterdir():
            if leftover.is_dir() and pattern.match(leftover.name):
                shutil.rmtree(leftover, ignore_errors=True)
                removed.append(leftover)
    return removed


def run_report(raw_dir, processed_dir, reports_dir, *, period: str = "", start: str = "", end: str = "",
               lang: str = "en", sample_if_empty: bool = False, run_date=None, pdf: bool = True,
               sources_file=None, progress: bool = False, engine: str = "pandas", scheduler=None,
               say=None, organisation: str = "") -> Path:
    """Clean, analyse and render; returns the report folder ``reports_dir/<period>``. ``say`` (a function
    of one line of text, e.g. ``print``) is told the row accounting before anything is rendered, so that
    what was lost is known even when the report then fails."""
    from pipeline.report.render import render_report

    raw_dir, processed_dir, reports_dir = Path(raw_dir), Path(processed_dir), Path(reports_dir)
    i18n.check_language(lang)
    sweep_leftovers(reports_dir)
    sweep_leftovers(processed_dir.resolve().parent, re.escape(processed_dir.resolve().name))
    result, data, chosen, run_date = prepare(raw_dir, processed_dir, period=period, start=start, end=end,
                                             sample_if_empty=sample_if_empty, run_date=run_date,
                                             sources_file=sources_file, engine=engine, scheduler=scheduler,
                                             say=say)
    if say is not None:
        for line in accounting_lines(result.manifest):
            say(line)
    from pipeline.ingest.sources import load_settings

    organisation = organisation or load_settings(raw_dir, sources_file).get("organisation", "")
    target = reports_dir / chosen.label
    failed_dir = reports_dir / ".failed" / chosen.label
    # what the render needs from the data, taken now: the tables then leave this process before the
    # kernels load their own (UCI Online Retail: 0.6 GB held here beside two kernels)
    inputs = [{"path": f["path"], "table": f["table"], "sha256": f["sha256"], "rows_read": f["rows_read"],
               "rows_kept": f["rows_kept"]} for f in result.manifest["files"]]
    thesis_rows = thesis_table_rows(data["dispatches"])
    del result, data
    gc.collect()
    release_freed_memory()
    with atomic_dir(target) as tmp, kernel_files_in(tmp):
        executed_dir = tmp / "notebooks"
        executed_dir.mkdir()
        parameters = {"processed_dir": str(processed_dir.resolve()), "out_dir": str(tmp.resolve()),
                      "period": chosen.label if chosen.kind != "custom" else "",
                      "start": chosen.start.date().isoformat() if chosen.kind == "custom" else "",
                      "end": chosen.end.date().isoformat() if chosen.kind == "custom" else "", "lang": lang,
                      "organisation": organisation}
        jobs = [(NOTEBOOK_DIR / name, executed_dir / name, parameters, failed_dir) for name in CHAPTERS]
        executed = execute_all(jobs, progress=progress)
        meta = {"title": i18n.t("doc.title", lang), "subtitle": chosen.title(lang),
                "organisation": organisation, "run_date": run_date.isoformat(),
                "version": __version__, "packages": package_versions(),
                "parameters": {**parameters, "processed_dir": str(processed_dir), "out_dir": str(target),
                               "run_date": run_date.isoformat()},
                "inputs": inputs, "thesis_table": thesis_rows}
        render_report(executed, tmp, lang=lang, meta=meta, pdf=pdf)
        keep_reviews(target, tmp)
    shutil.rmtree(failed_dir, ignore_errors=True)
    return target
