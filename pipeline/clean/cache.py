"""Per-file cleaned parts cached by content: a raw file whose bytes, settings and cleaning code are
unchanged is not parsed again."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd

from pipeline import __version__
from pipeline.clean.rows import PRODUCT_LINES_FILE
from pipeline.ingest.sources import Source
from pipeline.runtime.atomic import sha256_file

CACHE_DIR_NAME = ".cache"
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# Where cleaning starts: a file's cleaned part depends on every module these import, directly or not.
CLEANING_ENTRY_POINTS = ("pipeline.clean.run", "pipeline.clean.tasks")


def _imported_modules(module: str) -> set[str]:
    """The ``pipeline`` modules ``module``'s source imports (at the top or inside functions)."""
    import ast

    path = module_path(module)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        # `from pipeline.clean import parse` names a module; `from pipeline.clean.parse import x` a name in one
        found.update(n for n in names if n.split(".")[0] == "pipeline" and module_path(n) is not None)
    return found


def module_path(module: str) -> Path | None:
    """The source file of a ``pipeline`` module or package, None when ``module`` is not one."""
    base = PACKAGE_ROOT.joinpath(*module.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=1)
def cleaning_modules() -> tuple[str, ...]:
    """Every module cleaning runs, found by following imports from :data:`CLEANING_ENTRY_POINTS`
    (and each package's ``__init__`` on the way): editing any of them invalidates the cache. A rule, not
    a list kept by hand, so a module that is added or moved is covered without anyone remembering it."""
    seen: set[str] = set()
    todo = list(CLEANING_ENTRY_POINTS)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) not in seen)
        todo.extend(_imported_modules(module) - seen)
    return tuple(sorted(seen))


def _file_digest(path: Path) -> str:
    return sha256_file(path) if path.exists() else ""


def code_digests() -> dict[str, str]:
    """SHA-256 of each cleaning module's source, by module name."""
    return {m: sha256_file(module_path(m)) for m in cleaning_modules()}


def cache_key(source: Source, file_sha: str, *, run_date, taxonomy_files) -> str:
    """What a file's cleaned part depends on: its bytes, its settings, the program and the rules
    (``taxonomy_files``: the taxonomy file, then the local one merged over it, if any)."""
    import hashlib

    parts = {"sha256": file_sha, "version": __version__, "name": source.name, "table": source.table,
             "columns": source.columns, "options": source.options, "run_date": str(run_date),
             "taxonomy": [_file_digest(Path(p)) for p in taxonomy_files],
             "product_lines": _file_digest(PRODUCT_LINES_FILE),
             "code": code_digests()}
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return f"{file_sha[:16]}-{hashlib.sha256(blob).hexdigest()[:16]}"


def load_part(cache_dir: Path | None, key: str):
    if cache_dir is None or not (cache_dir / f"{key}.json").exists():
        return None
    try:
        meta = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        kept = pd.read_parquet(cache_dir / f"{key}.parquet")
        rejects = pd.read_parquet(cache_dir / f"{key}.rejects.parquet")
    except Exception:   # a damaged cache entry is cleaned again, never trusted
        return None
    for col in ("cause_codes", "parts_sent", "parts_used", "aliases"):
        if col in kept:
            kept[col] = kept[col].map(lambda v: list(v) if v is not None else [])
    return kept, rejects, meta


def write_part(folder: Path, key: str, entry) -> None:
    kept, rejects, meta = entry
    kept.to_parquet(folder / f"{key}.parquet", index=False)
    rejects.astype({"source_row": "int64"}).to_parquet(folder / f"{key}.rejects.parquet", index=False)
    (folder / f"{key}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
