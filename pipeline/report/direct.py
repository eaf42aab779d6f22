"""The chapter notebooks run in this process, without a kernel: the report's HTML in seconds.

``make report`` executes each notebook in its own kernel through papermill (isolated, and in
parallel). The same notebooks can run here: their code cells are executed in a fresh namespace with
the parameters set, and what the report would display is collected (:func:`reportkit.collecting`)
into the same fragment nbconvert would make of the executed notebook. The tests render many shapes
of data this way; an analyst can too. A cell that raises stops the run, naming the notebook and cell.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.report import reportkit
from pipeline.report.notebooks import CHAPTERS, NOTEBOOK_DIR


class ChapterFailed(PipelineError):
    """A chapter notebook's cell raised while it ran in this process."""


def _code_cells(notebook: Path) -> tuple[list[str], str]:
    """The notebook's code cells after its parameters cell, and the parameters cell itself."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    parameters = next(c for c in code if "parameters" in c["metadata"].get("tags", []))
    after = code[code.index(parameters) + 1:]
    return ["".join(c["source"]) for c in after], "".join(parameters["source"])


def run_notebook_here(notebook: Path, parameters: dict[str, str]) -> str:
    """Execute ``notebook``'s code in this process with ``parameters``; returns its report fragment."""
    cells, defaults = _code_cells(notebook)
    namespace: dict = {"__name__": f"chapter_{Path(notebook).stem}"}
    exec(compile(defaults, f"{notebook.name}:parameters", "exec"), namespace)
    namespace.update(parameters)
    import matplotlib.pyplot as plt

    with reportkit.collecting() as markup:
        for i, source in enumerate(cells, start=1):
            try:
                exec(compile(source, f"{notebook.name}:cell {i}", "exec"), namespace)
            except PipelineError:
                raise
            except Exception as error:
                raise ChapterFailed(f"notebook {notebook.name} failed in cell {i} "
                                    f"({type(error).__name__}: {error})") from error
            finally:
                plt.close("all")
    return "".join(f"{m}\n" for m in markup)


def run_chapters_here(processed_dir, out_dir, *, period: str = "", start: str = "", end: str = "",
                      lang: str = "en", organisation: str = "", chapters=CHAPTERS,
                      separate: bool = False) -> list[str]:
    """Every chapter notebook in ``chapters`` run here on ``processed_dir``; their report fragments.
    Tables and figures go into ``out_dir`` (``separate``: each chapter's into ``out_dir/<notebook>``,
    so that what each chapter wrote can be told apart)."""
    out_dir = Path(out_dir)
    fragments = []
    for name in chapters:
        target = out_dir / Path(name).stem if separate else out_dir
        target.mkdir(parents=True, exist_ok=True)
        parameters = {"processed_dir": str(Path(processed_dir).resolve()), "out_dir": str(target.resolve()),
                      "period": period, "start": start, "end": end, "lang": lang, "organisation": organisation}
        fragments.append(run_notebook_here(NOTEBOOK_DIR / name, parameters))
    return fragments


def render_here(processed_dir, out_dir, *, lang: str = "en", organisation: str = "", separate: bool = False,
                **period) -> Path:
    """Every chapter notebook run here on ``processed_dir``, rendered into ``out_dir/report.html`` (no PDF).
    ``period``: ``period=``, or ``start=`` and ``end=``, as the notebooks take them; ``chapters=``."""
    from pipeline.processed import load_manifest
    from pipeline.report.render import build_html
    from pipeline.runtime.atomic import write_text

    fragments = run_chapters_here(processed_dir, out_dir, lang=lang, organisation=organisation,
                                  separate=separate, **period)
    manifest = load_manifest(processed_dir)
    meta = {"title": "", "subtitle": "", "organisation": organisation, "run_date": manifest.get("run_date", ""),
            "version": manifest.get("version", ""), "inputs": []}
    html = build_html(fragments, lang=lang, meta=meta)
    write_text(Path(out_dir) / "report.html", html)
    return Path(out_dir) / "report.html"
