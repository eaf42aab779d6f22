"""Which raw files are which tables: ``sources.yml`` when present, otherwise file names and headers."""

from __future__ import annotations

import fnmatch
import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.contract import ALIASES, TABLES
from pipeline.contract.options import KNOWN_OPTIONS, OPTION_CHOICES
from pipeline.errors import InputError
from pipeline.ingest.headers import table_from_filename
from pipeline.ingest.read import RAW_SUFFIXES, data_suffix
from pipeline.runtime import strict_yaml

CONFIG_FILES = {"sources.yml", "sources.yaml", "customer_aliases.yml", "truth.json", "taxonomy.yml", "taxonomy.yaml"}


@dataclass(frozen=True)
class Source:
    path: Path
    name: str                                   # relative to the raw folder, POSIX separators
    table: str
    columns: dict = field(default_factory=dict)  # canonical -> header, from sources.yml
    options: dict = field(default_factory=dict)


# sources.yml's top-level keys besides the list of sources
SETTINGS = ("organisation", "taxonomy")


def _read_config(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        try:
            doc = strict_yaml.safe_load(fh) or {}
        except strict_yaml.DuplicateKeyError as exc:
            raise InputError(str(exc), file=path, row=exc.line) from None
        except yaml.YAMLError as exc:
            raise InputError(f"is not valid YAML: {exc}", file=path) from None
    if isinstance(doc, dict):
        unknown = set(doc) - {"sources", *SETTINGS}
        if unknown:
            raise InputError(f"unknown top-level keys {sorted(unknown)}; known: sources, {', '.join(SETTINGS)}",
                             file=path)
    return doc


def load_settings(raw_dir: Path, sources_file: Path | None = None) -> dict:
    """The settings of the raw folder's sources.yml (or ``sources_file``): ``organisation``, the name the
    report's title page and running text give the service organisation, and ``taxonomy``, the
    deployment's own taxonomy file. Empty without a sources.yml."""
    path = sources_file or next((Path(raw_dir) / n for n in ("sources.yml", "sources.yaml")
                                 if (Path(raw_dir) / n).exists()), None)
    if path is None:
        return {}
    doc = _read_config(Path(path))
    return {k: str(doc[k]) for k in SETTINGS if isinstance(doc, dict) and doc.get(k)}


def local_taxonomy_file(raw_dir: Path, sources_file: Path | None = None) -> Path | None:
    """The deployment's own taxonomy file, merged over the built-in one: the file sources.yml names
    under ``taxonomy:`` (relative to sources.yml), else ``taxonomy.yml`` beside the raw exports;
    None when there is neither. A named file that does not exist is an error, not a silent default."""
    raw_dir = Path(raw_dir)
    path = sources_file or next((raw_dir / n for n in ("sources.yml", "sources.yaml") if (raw_dir / n).exists()),
                                None)
    named = load_settings(raw_dir, sources_file).get("taxonomy")
    if named:
        local = Path(named) if Path(named).is_absolute() else Path(path).parent / named
        if not local.is_file():
            raise InputError(f"taxonomy: {named!r} names no file (looked for {local})", file=path)
        return local
    return next((raw_dir / n for n in ("taxonomy.yml", "taxonomy.yaml") if (raw_dir / n).is_file()), None)


def load_sources_config(path: Path) -> list[dict]:
    doc = _read_config(path)
    entries = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise InputError("must have a list under 'sources:' (see docs/contract.md)", file=path)
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or "path" not in entry or "table" not in entry:
            raise InputError(f"entry {i} needs 'path' and 'table'", file=path)
        if entry["table"] not in TABLES:
            raise InputError(f"entry {i}: unknown table {entry['table']!r}; use one of {', '.join(TABLES)}", file=path)
        unknown = set(entry.get("columns") or {}) - set(ALIASES[entry["table"]])
        if unknown:
            raise InputError(f"entry {i}: unknown columns {sorted(unknown)} for table {entry['table']!r}", file=path)
        bad = set(entry.get("options") or {}) - KNOWN_OPTIONS
        if bad:
            raise InputError(f"entry {i}: unknown options {sorted(bad)}; known: {', '.join(sorted(KNOWN_OPTIONS))}",
                             file=path)
        check_options(entry.get("options") or {}, i, path)
    return entries


def check_options(options: dict, i: int, path: Path) -> None:
    """The reading options whose values can be wrong in a way the reader would only find late."""
    from pipeline.ingest.layout import check_delimiter

    zone = options.get("time_zone")
    if zone is not None:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise InputError(f"entry {i}: options.time_zone is {zone!r}, which is not an IANA time zone; write "
                             f"one such as Europe/Brussels, Asia/Shanghai or UTC", file=path) from None
    if "header" in options and not isinstance(options["header"], bool):
        raise InputError(f"entry {i}: options.header is {options['header']!r}; write header: false for a file "
                         f"without a header row (its columns are then \"1\", \"2\", …) or leave it out",
                         file=path)
    if "zip_member" in options and not isinstance(options["zip_member"], str):
        raise InputError(f"entry {i}: options.zip_member must be the name of one file inside the .zip", file=path)
    try:
        check_delimiter(options.get("delimiter"), path)
    except InputError as exc:
        raise InputError(f"entry {i}: {exc.detail}", file=path) from None
    for name, choices in OPTION_CHOICES.items():       # the options that take one of a few words
        if name in options and options[name] not in choices:
            raise InputError(f"entry {i}: options.{name} is {options[name]!r}; use {' or '.join(choices)}", file=path)
    coded = options.get("coded_columns")
    if coded is not None and (not isinstance(coded, list) or set(map(str, coded)) - {"symptom_text", "cause_text"}):
        raise InputError(f"entry {i}: options.coded_columns is {coded!r}; give a list of symptom_text, cause_text",
                         file=path)
    loss = options.get("max_loss", 0.05)
    if isinstance(loss, bool) or not isinstance(loss, (int, float)) or not 0 <= loss <= 1:
        raise InputError(f"entry {i}: options.max_loss is {loss!r}; give a share of the file's rows from 0 to 1, "
                         f"e.g. 0.10", file=path)
    log = options.get("state_log")
    if log is not None:
        if not isinstance(log, dict) or not log.get("updated"):
            raise InputError(f"entry {i}: options.state_log needs the update-time column: state_log: "
                             f"{{updated: <column>}}", file=path)
        if options.get("repeated_keys") == "reject":
            raise InputError(f"entry {i}: options.state_log and repeated_keys: reject contradict each other: a "
                             f"state log repeats its keys", file=path)


def discover(raw_dir: Path, sources_file: Path | None = None) -> list[Source]:
    """The raw files to clean, in a stable order, each with its table, column map and options.

    Without ``sources.yml`` every CSV/xlsx/Parquet file is taken and its table comes from its name;
    with it, files it lists take its settings and the rest fall back to their names. A data file
    whose table cannot be told is an error, not a silent skip.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError("raw folder does not exist", file=raw_dir)
    sources_file = sources_file or next((raw_dir / n for n in ("sources.yml", "sources.yaml")
                                         if (raw_dir / n).exists()), None)
    entries = load_sources_config(sources_file) if sources_file else []
    files = sorted(p for p in raw_dir.rglob("*") if p.is_file() and not any(
        part.startswith(".") for part in p.relative_to(raw_dir).parts))
    out = []
    for entry in entries:   # an absolute path (or glob) in sources.yml names files outside the raw folder
        pattern = os.path.expanduser(str(entry["path"]))
        if not os.path.isabs(pattern):
            continue
        matched = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
        if not matched:
            raise InputError(f"sources.yml lists {entry['path']!r}, which matches no file", file=sources_file)
        for path in matched:
            if any(s.path == path and s.table == entry["table"] for s in out):
                continue            # the first entry for a file and table wins, as for relative paths
            out.append(Source(path=path, name=path.name, table=entry["table"],
                              columns=dict(entry.get("columns") or {}), options=dict(entry.get("options") or {})))
    for path in files:
        name = path.relative_to(raw_dir).as_posix()
        # every entry that matches gives the file a table (one file may feed two: Superstore's sales and
        # its customers' segments); of several for one table, the first (a specific entry above a glob)
        matching = {}
        for e in entries:
            if fnmatch.fnmatch(name, str(e["path"])):
                matching.setdefault(e["table"], e)
        if not matching:
            if path.name in CONFIG_FILES or data_suffix(path)[0] not in RAW_SUFFIXES or data_suffix(path)[0] == ".txt":
                continue
            table = table_from_filename(path.name)
            if table is None:
                raise InputError("cannot tell which table this file is (dispatches, sales, customers, contracts) "
                                 "from its name; list it in sources.yml", file=path)
            out.append(Source(path=path, name=name, table=table))
        for entry in matching.values():
            out.append(Source(path=path, name=name, table=entry["table"], columns=dict(entry.get("columns") or {}),
                              options=dict(entry.get("options") or {})))
    if not out:
        raise InputError("holds no raw exports (CSV, .xlsx or Parquet)", file=raw_dir)
    return unique_names(out)


def unique_names(sources: list[Source]) -> list[Source]:
    """Every source under its own name, as the manifest, the rejects and the row accounting key them: a
    file read as two tables is ``name (table)`` in each; two files of one name outside the raw folder
    are named by their paths."""
    from collections import Counter
    from dataclasses import replace

    count = Counter(s.name for s in sources)
    out = [replace(s, name=f"{s.name} ({s.table})") if count[s.name] > 1 else s for s in sources]
    count = Counter(s.name for s in out)
    return [replace(s, name=str(s.path)) if count[s.name] > 1 else s for s in out]
