"""Raw exports → the processed tables of the contract, with every raw row accounted for.

The work is split so that it can run partition by partition (``engine="dask"``: one task per file,
see :mod:`pipeline.engine`): :func:`clean_rows`
types one raw file's rows and rejects the bad ones with a reason, needing nothing from other
rows; customer resolution works on the distinct names only; de-duplication is a keyed pass over
the typed rows. :func:`clean` ties them together and writes the tables, the rejects and the
manifest atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import __version__
from pipeline.clean.account import account_rows, note_large_losses, note_state_logs
from pipeline.clean.cache import cache_key, load_part, write_part
from pipeline.clean.columns import (
    with_plain_text,
)
from pipeline.clean.combine import combine_parts
from pipeline.clean.customers import load_overrides
from pipeline.clean.dedupe import find_duplicates
from pipeline.clean.order import sorted_order
from pipeline.clean.resolve import resolve_all
from pipeline.clean.tasks import ReadAhead, read_and_clean_here, read_and_clean_on_worker
from pipeline.clean.taxonomy import load_taxonomy
from pipeline.clean.vocabulary import declared_sla
from pipeline.contract import EXTRA_COLUMNS, PROCESSED_COLUMNS, SORT_ORDER
from pipeline.ingest.read import MAX_FILE_GIB, check_size
from pipeline.ingest.sources import discover, local_taxonomy_file
from pipeline.runtime.atomic import sha256_file
from pipeline.runtime.frames import take_columns
from pipeline.runtime.memory import release_freed_memory


@dataclass
class CleanResult:
    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    customer_names: pd.DataFrame
    manifest: dict
    warnings: list[str] = field(default_factory=list)
    cache_dir: Path | None = None                              # where reused per-file parts were read
    cache_keys: list[str] = field(default_factory=list)        # every part this result uses
    cache_new: dict = field(default_factory=dict)              # key -> (kept, rejects, meta) cleaned now


def clean(raw_dir, *, sources_file=None, run_date=None, taxonomy_path=None, progress=None,
          cache_dir=None, engine="pandas", scheduler=None) -> CleanResult:
    """Clean every raw export in ``raw_dir`` (tables are written by :func:`write_processed`).

    ``cache_dir`` (usually ``PROCESSED/.cache``): a raw file whose bytes, settings, program version
    and taxonomy are unchanged is not parsed again; its cleaned part is read from there, and a file
    cleaned now has its part written there at once (the only thing ``clean`` writes).
    :func:`write_processed` writes the parts this run used into ``out_dir/.cache``.

    ``engine``: ``"pandas"`` (here) or ``"dask"`` (each file read and cleaned as a task on a Dask
    cluster: ``scheduler`` is its address, or None for a local one on 127.0.0.1), or an open
    :class:`pipeline.engine.Engine`. Both give the same tables. ``progress``: True shows a bar per
    stage on a terminal (None: when stderr is one); a callable wraps the list of sources (old use).
    The result's ``manifest["stages"]`` gives the rows and seconds of each stage (written to
    ``timings.json``, not to ``manifest.json``, which stays identical for identical inputs).
    """
    from pipeline.clean.engine import Engine, open_engine

    if isinstance(engine, Engine):
        with contextlib.nullcontext(engine) as opened:
            return _clean(raw_dir, sources_file, run_date, taxonomy_path, progress, cache_dir, opened)
    if engine in (None, "pandas") and not scheduler:
        return _clean(raw_dir, sources_file, run_date, taxonomy_path, progress, cache_dir, Engine("pandas"))
    with open_engine(engine, scheduler) as opened:
        return _clean(raw_dir, sources_file, run_date, taxonomy_path, progress, cache_dir, opened)


def _clean(raw_dir, sources_file, run_date, taxonomy_path, progress, cache_dir, engine) -> CleanResult:
    from pipeline.clean.taxonomy import DEFAULT_TAXONOMY
    from pipeline.runtime.progress import Stages, bar, want_bars

    show = want_bars(progress) if not callable(progress) else False
    stages = Stages(show)
    run_date = pd.Timestamp(run_date or dt.date.today()).normalize()
    # the taxonomy file (the built-in one unless given), then the deployment's own merged over it
    taxonomy_files = tuple(str(p) for p in (taxonomy_path or DEFAULT_TAXONOMY,
                                            local_taxonomy_file(Path(raw_dir), sources_file)) if p)
    taxonomy = load_taxonomy(*taxonomy_files)
    cache_dir = Path(cache_dir) if cache_dir is not None else None
    cache_keys: list[str] = []
    cache_new: dict = {}
    raw_dir = Path(raw_dir)
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in PROCESSED_COLUMNS}
    rejects: list[pd.DataFrame] = []
    files = []
    with stages.stage("discover + hash files") as st:
        sources = discover(raw_dir, sources_file)
        listed = progress(sources) if callable(progress) else sources
        entries = []          # (source, key, cached entry or None)
        hashing = bar(len(sources), "hash files", "files", show)
        listed = list(listed)
        for source in listed:      # refuse an oversized file before spending seconds hashing any
            check_size(source.path, source.options.get("max_file_gib", MAX_FILE_GIB))
        # hashlib lets go of the GIL while it hashes: one file per core (1.6 GB: 1.2 s → 0.7 s)
        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            for source, file_sha in zip(listed, pool.map(lambda s: sha256_file(s.path), listed)):
                key = cache_key(source, file_sha, run_date=run_date.date(), taxonomy_files=taxonomy_files)
                entries.append((source, file_sha, key, load_part(cache_dir, key)))
                hashing.update()
        hashing.close()
        st["rows"] = None
        st["files"] = len(entries)
    todo, key_of = [], {}                 # the files to clean, and each one's cache key
    for source, file_sha, key, cached in entries:
        if cached is None:
            todo.append((source, file_sha))
            key_of[id(todo[-1])] = key
    with stages.stage(f"read + clean ({engine.name})") as st:
        files_bar = bar(len(todo), "read + clean", "files", show)
        from pipeline.clean.engine import map_tasks
        ahead = None if engine.is_dask else ReadAhead(todo)
        task = read_and_clean_on_worker if engine.is_dask else functools.partial(
            read_and_clean_here, taxonomy_files=taxonomy_files, ahead=ahead)
        # Each file's part goes into the cache at once (holding every part until write_processed
        # doubled the memory of a run); with pandas, on a thread while the next file is cleaned (a
        # 2M-line part takes a second to write). The parts are not touched until de-duplication,
        # which starts after the last write has ended.
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aftercare-cache-write") \
            if cache_dir is not None and not engine.is_dask and todo else None
        writes = []
        if writer is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            clean_file = task

            def clean_and_cache(job, **kwargs):
                result = clean_file(job, **kwargs)
                writes.append(writer.submit(write_part, cache_dir, key_of[id(job)], result))
                return result
            task = clean_and_cache
        try:
            fresh = iter(map_tasks(engine, task, todo, progress=files_bar.update,
                                   run_date=run_date, taxonomy=taxonomy))
            for written in writes:
                written.result()          # a failed write fails the run, as it did when written here
        finally:
            if ahead is not None:
                ahead.close()
            if writer is not None:
                writer.shutdown(wait=True, cancel_futures=True)
        files_bar.close()
        if engine.is_dask and todo:
            engine.client.run(release_freed_memory)     # idle workers keep nothing for the next stages
        for source, _sha, key, cached in entries:
            if cached is not None:
                kept, rej, meta = cached
            else:
                kept, rej, meta = next(fresh)
                if cache_dir is not None and writer is None:       # (json last: never half read)
                    cache_dir.mkdir(parents=True, exist_ok=True)
                    write_part(cache_dir, key, (kept, rej, meta))
                elif cache_dir is None:
                    cache_new[key] = (kept, rej, meta)
            cache_keys.append(key)
            parts[source.table].append(kept)
            if len(rej):
                rejects.append(rej)
            files.append(dict(meta))
        st["rows"] = sum(f["rows_read"] for f in files)
        st["files"] = len(todo)
        st["cached_files"] = len(entries) - len(todo)
        # the kept parts now live in `parts` (and, without a cache folder, in cache_new) only, so
        # that de-duplication can let them go table by table
        del fresh, entries, kept, rej, cached
    tables, duplicates, folded, state_records = {}, {}, {}, {}
    unique_files = frozenset(s.name for s in sources if s.options.get("repeated_keys") == "reject")
    distinct_files = frozenset(s.name for s in sources if s.options.get("exact_copies") == "keep")
    with stages.stage("de-duplicate", rows=sum(len(f) for frames in parts.values() for f in frames)):
        for table in list(parts):
            frames = [f for f in parts.pop(table) if len(f)]      # popped: the parts die with the concat
            if not frames:
                tables[table] = pd.DataFrame(columns=PROCESSED_COLUMNS[table] + ["_raw_hash"]).drop(
                    columns="_raw_hash")
                continue
            combined = combine_parts(frames)
            del frames
            found = find_duplicates(table, combined, unique_files, distinct_files)
            del combined              # `found.ordered` is the only holder now: the copy below empties it
            deduped = take_columns(found.ordered, found.rows)
            found.ordered = None
            release_freed_memory()
            duplicates.update(found.duplicates)
            folded.update(found.folded)
            state_records.update(found.state_records)
            if len(found.rejects):
                rejects.append(found.rejects)
            tables[table] = deduped
    resolve_stage = stages.stage("resolve customers + sort", rows=sum(len(t) for t in tables.values()))
    with resolve_stage:
        resolution = _resolve_and_sort(tables, raw_dir)
        release_freed_memory()
    with stages.stage("account + validate", rows=sum(len(t) for t in tables.values())):
        all_rejects = account_rows(tables, rejects, files, duplicates, folded)
        note_state_logs(files, state_records, {s.name: s for s in sources})
        note_large_losses(files, {s.name: s for s in sources})
        for name in tables:                        # the processed tables hold plain text
            tables[name] = with_plain_text(tables[name])
    manifest = {"version": __version__, "run_date": run_date.date().isoformat(),
                "parameters": {"raw": str(raw_dir), "sources": str(sources_file) if sources_file else None,
                               "run_date": run_date.date().isoformat(), "fuzzy_threshold": 88.0},
                "engine": engine.name,
                "files": files,
                "tables": {name: len(t) for name, t in tables.items()},
                "customer_merges": int(resolution["method"].isin(["fuzzy", "contained", "abbreviation"]).sum()),
                **declared_sla(sources),         # options.sla_targets / business_hours, for the service chapter
                "taxonomy": taxonomy_record(taxonomy_files, tables["dispatches"]),
                "stages": stages.summary}
    return CleanResult(tables=tables, rejects=all_rejects, customer_names=resolution, manifest=manifest,
                       cache_dir=cache_dir, cache_keys=cache_keys, cache_new=cache_new)


def taxonomy_record(taxonomy_files: tuple[str, ...], dispatches: pd.DataFrame) -> dict:
    """What coded the free text: each taxonomy file's name and SHA-256, and for a local file merged
    over the built-in one, its document (so that the report labels its codes as clean did), what it
    changed and the texts it coded differently (:func:`pipeline.clean.taxonomy_local.recoded_texts`)."""
    from pipeline.clean.taxonomy import read_document
    from pipeline.clean.taxonomy_local import recoded_texts

    base, *local = taxonomy_files
    record = {"file": Path(base).name, "sha256": sha256_file(base), "local": None}
    if local:
        merged = load_taxonomy(*taxonomy_files)
        record["local"] = {"file": local[0], "sha256": sha256_file(local[0]), "document": read_document(local[0]),
                           "changes": list(merged.changes),
                           "recoded": recoded_texts(dispatches, load_taxonomy(base), merged)}
    return record


def _resolve_and_sort(tables, raw_dir):
    resolution = resolve_all(tables, load_overrides(raw_dir))
    for table in ("dispatches", "sales", "contracts"):
        t = tables[table]
        sort = SORT_ORDER[table]
        columns = PROCESSED_COLUMNS[table] + [c for c in EXTRA_COLUMNS[table] if c in t]
        if not len(t):
            tables[table] = t.reindex(columns=columns)
            continue
        order = sorted_order(t, sort + ["source_file", "source_row"])
        tables[table] = None                   # `t` the only holder: the copy below empties it
        t = take_columns(t, order, columns)
        t.index = pd.RangeIndex(len(t))
        tables[table] = t           # text still categorical: accounted and validated so, then made plain

    return resolution
