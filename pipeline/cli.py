"""``python -m pipeline``: sample-data, clean, report, reviews, taxonomy suggest, docs.

Errors the user can act on print one line naming the file, row and column where that applies;
a traceback appears only with ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pipeline import __version__
from pipeline.errors import PipelineError


def _period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw", default="data/raw", help="folder of raw exports (never modified)")
    p.add_argument("--processed", default="data/processed", help="folder for the processed tables")
    p.add_argument("--out", default="reports", help="folder the report goes into, under <period>/")
    p.add_argument("--sources", default=None, help="sources.yml (default: RAW/sources.yml when present)")
    p.add_argument("--period", default="", help="2024, 2024H1, 2024Q3 or 2024-07 (default: latest complete quarter)")
    p.add_argument("--start", default="", help="period start date YYYY-MM-DD (with --end)")
    p.add_argument("--end", default="", help="period end date YYYY-MM-DD (with --start)")
    p.add_argument("--lang", default="en", choices=["en", "zh-Hant", "zh-Hans"], help="report language")
    _engine_args(p)
    p.add_argument("--sample-if-empty", action="store_true",
                   help="write sample exports into --raw first when it holds none (what `make report` does)")
    p.add_argument("--run-date", default=None, help="the run date (YYYY-MM-DD); dates after it are rejected")
    p.add_argument("--no-pdf", action="store_true", help="render the HTML only")
    p.add_argument("--organisation", default="", help="the service organisation's name in the report "
                                                        "(default: sources.yml's organisation, else a neutral name)")


def _engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", default="pandas", choices=["pandas", "dask"],
                   help="row-level engine: pandas (this process) or dask (a local 2-worker cluster on 127.0.0.1, "
                        "or the one --scheduler names)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of an existing Dask scheduler (tcp://host:8786), with --engine dask")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=(
        "Aftercare: after-sales service and customer-lifecycle reports from raw dispatch, sales, "
        "customer and contract exports."))
    parser.add_argument("--version", action="version", version=f"aftercare {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    # --debug is accepted after the subcommand too; SUPPRESS keeps a subcommand from resetting it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("sample-data", parents=[common], help="write realistic sample raw exports and their truth.json")
    p.add_argument("--out", default="data/raw", help="folder to write into")
    p.add_argument("--seed", type=int, default=20090108, help="random seed (same seed, same bytes)")
    p.add_argument("--customers", type=int, default=300, help="number of customers")
    p.add_argument("--sla-breach-effect", type=float, default=-0.9,
                   help="planted log-odds effect of one SLA breach on contract renewal (0 = none)")

    p = sub.add_parser("clean", parents=[common], help="clean raw exports into processed Parquet tables and a manifest")
    p.add_argument("--raw", default="data/raw", help="folder of raw exports (never modified)")
    p.add_argument("--out", default="data/processed", help="folder for the processed tables")
    p.add_argument("--sources", default=None, help="sources.yml (default: RAW/sources.yml when present)")
    _engine_args(p)
    p.add_argument("--run-date", default=None, help="the run date (YYYY-MM-DD); dates after it are rejected")

    p = sub.add_parser("report", parents=[common],
                       help="clean what changed, run the chapter notebooks and render HTML and PDF")
    _period_args(p)
    p = sub.add_parser("reviews", parents=[common],
                       help="per-customer service reviews for the customers due in the period")
    _period_args(p)
    p.add_argument("--frequent", type=float, default=3, metavar="N",
                   help="dispatches per quarter from which a customer is reviewed every quarter (default 3)")
    p = sub.add_parser("taxonomy", parents=[common], help="the symptom and cause taxonomy: suggestions to accept")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s = actions.add_parser("suggest", parents=[common],
                           help="write the unmapped and weakly coded texts, each under its nearest code, as a "
                                "local taxonomy file to review")
    s.add_argument("--processed", default="data/processed", help="folder of the processed tables")
    s.add_argument("--out", default=None, help="file to write (default: PROCESSED/taxonomy_suggestions.yml)")
    s.add_argument("--low-confidence", type=float, default=0.5, metavar="X",
                   help="also suggest similarity-coded texts below this confidence (0-1, default 0.5)")
    s.add_argument("--min-dispatches", type=int, default=1, metavar="N",
                   help="only texts of at least N dispatches (default 1)")
    p = sub.add_parser("docs", parents=[common], help="write docs/contract.md and docs/api.md from the code")
    p.add_argument("--out", default="docs", help="folder to write into")
    return parser


def _run(args) -> int:
    if args.command == "sample-data":
        from pipeline.sample import write_sample

        truth = write_sample(Path(args.out), seed=args.seed, customers=args.customers,
                             sla_breach_effect=args.sla_breach_effect)
        print(f"sample exports for {len(truth.get('customers', {}))} customers written to {args.out}")
        return 0
    if args.command == "docs":
        from pipeline.contract.reference import write_docs

        for path in write_docs(Path(args.out)):
            print(f"wrote {path}")
        return 0
    if args.command == "taxonomy":
        from pipeline.analyses.taxonomy_suggest import write_suggestions

        target, found = write_suggestions(args.processed, args.out, low_confidence=args.low_confidence,
                                          min_dispatches=args.min_dispatches)
        from pipeline.analyses.taxonomy_suggest import NEAR

        near = int((found["suggested"].notna() & ((found["method"] != "none") | (found["confidence"] >= NEAR))).sum())
        print(f"{len(found)} texts to review ({near} with a suggested code, {int(found['dispatches'].sum())} "
              f"dispatches) written to {target}; keep the ones you accept in taxonomy.yml beside the raw exports")
        return 0
    if args.command == "clean":
        from pipeline.clean import clean
        from pipeline.processed import write_processed

        started = time.perf_counter()
        from pipeline.runtime.progress import format_stages

        result = clean(Path(args.raw), sources_file=args.sources, run_date=args.run_date,
                       cache_dir=Path(args.out) / ".cache", engine=args.engine, scheduler=args.scheduler,
                       progress=sys.stderr.isatty())
        write_started = time.perf_counter()
        write_processed(result, Path(args.out))
        stages = [*result.manifest.get("stages", []),
                  {"stage": "write processed", "rows": None, "seconds": time.perf_counter() - write_started}]
        print(format_stages(stages))
        m = result.manifest
        read = sum(f["rows_read"] for f in m["files"])
        print(f"cleaned {len(m['files'])} files, {read} rows in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{k} {v}" for k, v in m["tables"].items())
              + f"; rejects {len(result.rejects)} -> {args.out}")
        _say_local_taxonomy(result.manifest)
        _say_warnings(result.manifest)
        return 0
    if args.command == "report":
        from pipeline.report.run import run_report

        started = time.perf_counter()
        target = run_report(args.raw, args.processed, args.out, period=args.period, start=args.start, end=args.end,
                            lang=args.lang, sample_if_empty=args.sample_if_empty, run_date=args.run_date,
                            pdf=not args.no_pdf, sources_file=args.sources, progress=sys.stderr.isatty(),
                            engine=args.engine, scheduler=args.scheduler, say=print,
                            organisation=args.organisation)
        print(f"report written to {target} in {time.perf_counter() - started:.0f} s")
        manifest = Path(args.processed) / "manifest.json"
        if manifest.exists():
            _say_warnings(json.loads(manifest.read_text(encoding="utf-8")))
        return 0
    if args.command == "reviews":
        from pipeline.report.reviews import run_reviews

        started = time.perf_counter()
        target = run_reviews(args.raw, args.processed, args.out, period=args.period, start=args.start, end=args.end,
                             lang=args.lang, sample_if_empty=args.sample_if_empty, run_date=args.run_date,
                             pdf=not args.no_pdf, sources_file=args.sources, progress=sys.stderr.isatty(),
                             frequent_per_quarter=args.frequent, engine=args.engine, scheduler=args.scheduler)
        count = sum(1 for _ in target.glob("*.html"))
        print(f"{count} customer reviews written to {target} in {time.perf_counter() - started:.0f} s")
        return 0
    return 2


def _say_local_taxonomy(manifest: dict) -> None:
    """A local taxonomy file changes codes: the run says so, and how many texts it coded otherwise."""
    local = (manifest.get("taxonomy") or {}).get("local")
    if local:
        r = local["recoded"]
        n = len(local["changes"])
        print(f"local taxonomy {local['file']} merged over the built-in one ({n} change{'s' if n != 1 else ''}): "
              f"{r['symptoms']['texts']} symptom texts ({r['symptoms']['dispatches']} dispatches) and "
              f"{r['causes']['texts']} cause texts ({r['causes']['dispatches']} dispatches) coded otherwise; "
              f"manifest.json lists them under taxonomy.local")


def _say_warnings(manifest: dict) -> None:
    """The run ends with the warnings about its raw files (a large loss first named here, not only in chapter 1)."""
    from pipeline.report.run import warning_lines

    for line in warning_lines(manifest):
        print(line, file=sys.stderr)


def _output_folders(args) -> list[str]:
    """The folders a command writes to: a second run on the same folders must wait."""
    if args.command == "clean":
        return [args.out]
    if args.command in ("report", "reviews"):
        return [args.processed, args.out]
    if args.command == "taxonomy":
        return [args.processed]
    return []


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from pipeline.runtime.lock import folder_lock

        with folder_lock(*_output_folders(args)):
            return _run(args)
    except PipelineError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", file=sys.stderr)
        return 1
