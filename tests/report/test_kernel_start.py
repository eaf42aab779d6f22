"""A kernel that dies while starting is started again; any other failure is not retried."""

from pathlib import Path

import papermill
import pytest

from pipeline.errors import PipelineError
from pipeline.report import notebooks as report

NOTEBOOK = report.NOTEBOOK_DIR / "01_data_quality.ipynb"


def _flaky(failures: int, error: Exception):
    calls = []

    def execute_notebook(source, output, **kwargs):
        calls.append(output)
        if len(calls) <= failures:
            raise error
        Path(output).write_text("{}")

    return execute_notebook, calls


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(report.time, "sleep", lambda seconds: None)


def test_kernel_start_failure_is_retried_until_it_starts(monkeypatch, tmp_path):
    fake, calls = _flaky(2, RuntimeError("Kernel died before replying to kernel_info"))
    monkeypatch.setattr(papermill, "execute_notebook", fake)
    out = report.execute_chapter(NOTEBOOK, tmp_path / "out.ipynb", {}, tmp_path / "failed")
    assert out == tmp_path / "out.ipynb" and out.read_text() == "{}"
    assert len(calls) == 3


def test_kernel_that_never_starts_gives_one_clear_error(monkeypatch, tmp_path):
    fake, calls = _flaky(99, RuntimeError("Kernel died before replying to kernel_info"))
    monkeypatch.setattr(papermill, "execute_notebook", fake)
    with pytest.raises(PipelineError, match=r"01_data_quality.ipynb: the Python kernel died while starting, 3 times"):
        report.execute_chapter(NOTEBOOK, tmp_path / "out.ipynb", {}, tmp_path / "failed")
    assert len(calls) == report.KERNEL_START_ATTEMPTS == 3


def test_other_runtime_errors_are_not_retried(monkeypatch, tmp_path):
    fake, calls = _flaky(1, RuntimeError("something else"))
    monkeypatch.setattr(papermill, "execute_notebook", fake)
    with pytest.raises(RuntimeError, match="something else"):
        report.execute_chapter(NOTEBOOK, tmp_path / "out.ipynb", {}, tmp_path / "failed")
    assert len(calls) == 1
