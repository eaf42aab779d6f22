"""Executing the chapter notebooks: parameters validated before any kernel starts, each notebook in
its own kernel and process, a failed one kept for inspection and named with its cell.

papermill escapes parameter values but writes names verbatim into the injected cell, so names are
checked first; its ``cwd`` is not thread-safe and kernel launches race under threads (papermill #473,
#239), so notebooks run in separate processes with absolute paths.
"""

from __future__ import annotations

import keyword
import os
import shutil
import time
from pathlib import Path

from pipeline.errors import PipelineError

NOTEBOOK_DIR = Path(os.environ.get("AFTERCARE_NOTEBOOKS", Path(__file__).resolve().parents[2] / "notebooks"))
CHAPTERS = ["01_data_quality.ipynb", "02_service.ipynb", "03_customer_value.ipynb", "04_lifecycle.ipynb",
            "05_conclusions.ipynb"]
KERNEL = "python3"
CELL_TIMEOUT_SECONDS = 900


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
    from nbclient.exceptions import DeadKernelError
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
        kept = _keep(output, failed_dir, notebook.name)
        raise PipelineError(f"notebook {notebook.name} failed in {_first_error(kept)}; the executed notebook "
                            f"is kept at {kept}") from None
    except DeadKernelError:
        # the kernel process ended under a running cell: most often the machine ran out of memory
        kept = _keep(output, failed_dir, notebook.name)
        raise PipelineError(f"notebook {notebook.name}: its Python kernel died while running (out of memory?); "
                            f"the notebook as far as it ran is kept at {kept}") from None
    return output


def _keep(output: Path, failed_dir: Path, name: str) -> Path:
    """A failed notebook, as far as it ran, under ``failed_dir`` (the report's folder is not touched)."""
    failed_dir.mkdir(parents=True, exist_ok=True)
    kept = failed_dir / name
    if output.exists():
        shutil.copyfile(output, kept)
    return kept


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

    Every notebook runs even when another fails, and one error then names each failed notebook and
    its cell. Separate processes, absolute paths and distinct output files: papermill's ``cwd`` is not
    thread-safe and kernel launches race under threads (papermill #473, #239).
    """
    import concurrent.futures as cf
    import multiprocessing

    for notebook, _, parameters, _ in jobs:      # before any kernel starts
        validate_parameters(notebook, parameters)
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    failures: list[str] = []
    if workers <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            try:
                results.append(execute_chapter(*job))
            except PipelineError as error:
                failures.append(str(error))
        return _all_or_raise(results, failures)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(jobs), desc="notebooks", unit="nb")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                initializer=_silence_kernel_stderr) as pool:
        futures = [pool.submit(execute_chapter, *job) for job in jobs]
        try:
            for _done in cf.as_completed(futures):      # every notebook runs; failures are gathered below
                if bar is not None:
                    bar.update()
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        finally:
            if bar is not None:
                bar.close()
    results = []
    for future in futures:
        try:
            results.append(future.result())
        except PipelineError as error:
            failures.append(str(error))
        except cf.process.BrokenProcessPool:
            failures.append("a notebook's worker process died (out of memory?)")
    return _all_or_raise(results, failures)


def _all_or_raise(results: list[Path], failures: list[str]) -> list[Path]:
    if not failures:
        return results
    if len(failures) == 1:
        raise PipelineError(failures[0])
    raise PipelineError(f"{len(failures)} notebooks failed:\n  " + "\n  ".join(failures))
