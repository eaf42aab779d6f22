"""Progress a person can follow on long runs: a bar per stage, and rows and seconds per stage.

``Stages`` times named stages (``with stages.stage("read + clean", rows=n): …``); its ``summary``
goes into the manifest as ``stages`` and the CLI prints it at the end of ``clean``. Bars (tqdm) are
shown only when asked for and stderr is a terminal, so logs and tests stay clean.
"""

from __future__ import annotations

import contextlib
import sys
import time


def want_bars(progress) -> bool:
    """``progress``: True/False, or None for "when stderr is a terminal"."""
    if progress is None:
        progress = sys.stderr.isatty()
    return bool(progress) and sys.stderr.isatty()


class _NoBar:
    def update(self, n=1):
        pass

    def close(self):
        pass

    def set_postfix_str(self, *a, **k):
        pass


def bar(total: int | None, desc: str, unit: str, show: bool):
    if not show:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit == "rows", leave=False, file=sys.stderr)


class Stages:
    def __init__(self, show: bool = False):
        self.show = show
        self.records: list[dict] = []

    @contextlib.contextmanager
    def stage(self, name: str, rows: int | None = None):
        record = {"stage": name, "rows": rows, "seconds": 0.0}
        started = time.perf_counter()
        try:
            yield record
        finally:
            record["seconds"] = round(time.perf_counter() - started, 3)
            self.records.append(record)

    @property
    def summary(self) -> list[dict]:
        return [dict(r) for r in self.records]


def format_stages(stages: list[dict]) -> str:
    """The per-stage summary as an aligned text table."""
    if not stages:
        return ""
    width = max(len(s["stage"]) for s in stages)
    lines = [f"{'stage':<{width}}  {'rows':>12}  {'seconds':>8}  {'rows/s':>10}"]
    for s in stages:
        rows = s.get("rows")
        secs = s.get("seconds") or 0.0
        rate = f"{rows / secs:,.0f}" if rows and secs > 0 else ""
        lines.append(f"{s['stage']:<{width}}  {(f'{rows:,}' if rows is not None else ''):>12}  {secs:>8.2f}  "
                     f"{rate:>10}")
    total = sum(s.get("seconds") or 0.0 for s in stages)
    lines.append(f"{'total':<{width}}  {'':>12}  {total:>8.2f}")
    return "\n".join(lines)
