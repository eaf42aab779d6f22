"""One run at a time per output folder: an advisory lock with a clear message for the second run."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import PipelineError


@contextlib.contextmanager
def folder_lock(*folders: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on each folder (created if missing) for the duration of the block.

    The lock is ``flock`` on a file beside the folder (``.processed.lock`` next to ``processed/``):
    outputs replace their folder in one rename, so a lock file inside it would be swapped away.
    The kernel releases the lock when the process dies: a killed run never leaves a stale lock.
    """
    handles = []
    try:
        for folder in dict.fromkeys(Path(f).resolve() for f in folders):
            folder.parent.mkdir(parents=True, exist_ok=True)
            path = folder.parent / f".{folder.name}.lock"
            fh = open(path, "a+", encoding="utf-8")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "unknown"
                fh.close()
                raise PipelineError(f"another Aftercare run is writing to {folder} (process {holder}); "
                                    f"wait for it to finish and run again") from None
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            handles.append(fh)
        yield
    finally:
        for fh in handles:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()
