import subprocess
import sys

import pytest

from pipeline.errors import PipelineError
from pipeline.runtime.lock import folder_lock


def test_a_second_run_on_the_same_folder_is_refused_with_a_clear_message(tmp_path):
    out = tmp_path / "processed"
    with folder_lock(out):
        with pytest.raises(PipelineError, match="another Aftercare run is writing to .*processed"):
            with folder_lock(out):
                pass
        # another process sees the lock too
        code = ("from pipeline.runtime.lock import folder_lock\n"
                f"with folder_lock({str(out)!r}):\n    pass\n")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert proc.returncode != 0 and "another Aftercare run" in proc.stderr
    with folder_lock(out):      # released on exit
        pass


def test_the_lock_survives_the_folder_being_replaced(tmp_path):
    from pipeline.runtime.atomic import atomic_dir

    out = tmp_path / "processed"
    with folder_lock(out):
        with atomic_dir(out) as tmp:
            (tmp / "x").write_text("new")
        with pytest.raises(PipelineError):
            with folder_lock(out):
                pass
