"""The main job: clean what is in the raw folder, execute the chapter notebooks, render the report.

Notebooks run through papermill with parameters that are validated first (only names a notebook
declares, only strings, a period that parses), each in its own kernel, into a temporary folder;
the finished report replaces ``reports/<period>/`` in one rename, so a failed run never leaves a
half-written or stale report there. A failed notebook is kept under ``reports/.failed/`` for
inspection and named in the error.
"""

from __future__ import annotations

import datetime as dt
import keyword
import os
import shutil
import time
from pathlib import Path

from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.report import i18n
from pipeline.runtime.atomic import atomic_dir

NOTEBOOK_DIR = Path(os.environ.get("AFTERCARE_NOTEBOOKS", Path(__file__).resolve().parents[2] / "notebooks"))
CHAPTERS = ["01_data_quality.ipynb", "02_service.ipynb", "03_customer_value.ipynb", "04_lifecycle.ipynb",
            "05_conclusions.ipynb"]
KERNEL = "python3"
CELL_TIMEOUT_SECONDS = 900


PROVENANCE_PACKAGES = ("python", "pandas", "numpy", "scipy", "pyarrow", "matplotlib", "seaborn", "papermill",
                       "nbconvert", "weasyprint", "opencc", "rapidfuzz", "openpyxl", "charset-normalizer",
                       "lifelines", "pandera")


def package_versions() -> dict[str, str]:
    """Versions of the packages the numbers depend on, for the provenance appendix."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in PROVENANCE_PACKAGES:
        if name == "python":
            out[name] = platform.python_version()
            continue
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def thesis_table_rows(dispatches) -> list[list[str]]:
    """The thesis's table 4-1 as cleaned, for its appendix (empty when the data does not hold it)."""
    from pipeline.analyses.service import thesis_table_4_1

    table = thesis_table_4_1(dispatches)
    return [[str(r.reported_on), str(r.symptom_text or ""), str(r.symptom_code or ""), str(r.machine_type_model or ""),
             str(r.customer_name or ""), str(r.cause_text or ""), " + ".join(r.cause_codes)]
            for r in table.itertuples(index=False)]


def has_raw_data(raw_dir: Path) -> bool:
    from pipeline.ingest.read import RAW_SUFFIXES

    return raw_dir.is_dir() and any(p.suffix.lower() in RAW_SUFFIXES for p in raw_dir.rglob("*") if p.is_file())


def validate_parameters(notebook: Path, parameters: dict[str, str]) -> dict[str, str]:
    """Only identifiers the notebook's parameters cell declares, and only string values.

    papermill escapes values but writes names verbatim into the injected cell, so a crafted
    name would run as code: names are checked before any kernel starts.
    """
    import papermill

    declared = set(papermill.inspect_notebook(str(notebook)))
    for name, value in parameters.items():
        if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
            raise PipelineError(f"parameter name {name!r} is not a plain identifier")
        if name not in declared:
            raise PipelineError(f"{notebook.name} does not declare a parameter {name!r}")
        if not isinstance(value, str):
            raise PipelineError(f"parameter {name!r} must be a string, got {type(value).__name__}")
    return parameters


def _first_error(executed: Path) -> str:
    import nbformat

    try:
        book = nbformat.read(executed, as_version=4)
    except Exception:  # the notebook may not have been written at all
        return "no output"
    for i, cell in enumerate(book.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"cell {i} ({out.get('ename')}: {out.get('evalue')})"
    return "unknown cell"


# A kernel that dies before answering kernel_info never ran a cell, so starting it again is safe.
# It happens when kernels start in several processes at once: jupyter_client picks free TCP ports by
# binding and releasing them, and another process can take a port before the kernel binds it.
KERNEL_START_ATTEMPTS = 3


def is_kernel_start_failure(error: BaseException) -> bool:
    """True for jupyter_client's "Kernel died before replying to kernel_info" (no cell has run)."""
    return isinstance(error, RuntimeError) and "before replying to kernel_info" in str(error)


def execute_chapter(notebook: Path, output: Path, parameters: dict[str, str], failed_dir: Path) -> Path:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    validate_parameters(notebook, parameters)
    try:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                papermill.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name=KERNEL,
                                           progress_bar=False, cwd=str(output.parent), log_output=False,
                                           execution_timeout=CELL_TIMEOUT_SECONDS,
                                           # the kernel's own start-up chatter is not the user's business
                                           extra_arguments=["--IPKernelApp.log_level=ERROR"])
                break
            except RuntimeError as error:
                if not is_kernel_start_failure(error):
                    raise
                if attempt == KERNEL_START_ATTEMPTS:
                    raise PipelineError(f"notebook {notebook.name}: the Python kernel died while starting, "
                                        f"{KERNEL_START_ATTEMPTS} times ({error})") from None
                time.sleep(0.5 * attempt)
    except PapermillExecutionError:
        failed_dir.mkdir(parents=True, exist_ok=True)
        kept = failed_dir / notebook.name
        if output.exists():
            shutil.copyfile(output, kept)
        raise PipelineError(f"notebook {notebook.name} failed in {_first_error(kept)}; the executed notebook "
                            f"is kept at {kept}") from None
    return output


def _silence_kernel_stderr() -> None:
    """In a worker process: the kernels it starts inherit a stderr that goes nowhere.

    ipykernel writes start-up and shut-down chatter there ("KeyboardInterrupt caught in kernel");
    failures still reach the user, through papermill's exception and the kept notebook.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def execute_all(jobs: list[tuple], *, progress: bool = False, workers: int | None = None) -> list[Path]:
    """Execute notebooks in parallel processes (one kernel each), results in the order given.

    Separate processes, absolute paths and distinct output files: papermill's ``cwd`` is not
    thread-safe and kernel launches race under threads (papermill #473, #239).
    """
    import concurrent.futures as cf
    import multiprocessing

    for notebook, _, parameters, _ in jobs:      # before any kernel starts
        validate_parameters(notebook, parameters)
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    if workers <= 1 or len(jobs) <= 1:
        return [execute_chapter(*job) for job in jobs]
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(jobs), desc="notebooks", unit="nb")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                initializer=_silence_kernel_stderr) as pool:
        futures = [pool.submit(execute_chapter, *job) for job in jobs]
        try:
            for future in cf.as_completed(futures):
                future.result()
                if bar is not None:
                    bar.update()
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        finally:
            if bar is not None:
                bar.close()
    return [f.result() for f in futures]


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
                "version": __version__, "packages": package_versions(), "parameters": {**parameters, "processed_dir": str(processed_dir),
                                                       "out_dir": str(target), "run_date": run_date.isoformat()},
                "inputs": [{"path": f["path"], "table": f["table"], "sha256": f["sha256"], "rows_read": f["rows_read"],
                            "rows_kept": f["rows_kept"]} for f in result.manifest["files"]]}
        meta["thesis_table"] = thesis_table_rows(data["dispatches"])
        render_report(executed, tmp, lang=lang, meta=meta, pdf=pdf)
        keep_reviews(target, tmp)
    shutil.rmtree(failed_dir, ignore_errors=True)
    return target
