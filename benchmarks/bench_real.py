"""The whole report on each real public export, as a user runs it: exit code, wall seconds, peak memory.

Each worked example in ``docs/examples/`` (the sources.yml the README shows) is run through the CLI,
``python -m pipeline report``, in a fresh folder where the real file (from ``../shared/data/real/``)
is a symlink, never a copy. Printed per export: the exit code, wall-clock seconds, the peak of the
summed resident memory of the run and all its processes (notebook kernels, the PDF renderer),
sampled every 50 ms with psutil, the PDF's pages, and the row accounting of every raw file
(read = kept + rejected + duplicates + earlier states folded).

    .venv/bin/python benchmarks/bench_real.py                 # every export
    .venv/bin/python benchmarks/bench_real.py uci_online_retail --no-pdf

Target (issue 16): a whole report on UCI Online Retail under 2 GB peak.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("AFTERCARE_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
EXAMPLES = ROOT / "docs" / "examples"

# example name -> (the real file(s), relative to REAL, the report's period arguments)
EXPORTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uci_online_retail": (("uci_online_retail/online_retail.csv.xz",), ()),
    "superstore": (("superstore_npm/superstore.csv",), ()),
    "helpdesk_eventlog": (("helpdesk_eventlog/helpdesk_4tu_full.csv",), ()),
    "servicenow": (("incident_event_log_uci/incident_event_log.csv.zip",), ("--start", "2016-03-01",
                                                                            "--end", "2016-04-30")),
    "cdnow": (("cdnow_lifetimes/CDNOW_master.txt",), ()),
    "bpic2013": (("bpic2013_volvo_incidents/IBM-VolvoIT-Challenge.zip",), ()),
}


def run(name: str, work: Path, *, pdf: bool) -> dict:
    import psutil

    files, period = EXPORTS[name]
    raw = work / "raw"
    raw.mkdir(parents=True)
    for f in files:
        (raw / Path(f).name).symlink_to(REAL / f)
    (raw / "sources.yml").write_text((EXAMPLES / f"{name}.sources.yml").read_text(encoding="utf-8"),
                                     encoding="utf-8")
    cmd = [sys.executable, "-m", "pipeline", "report", "--raw", str(raw), "--processed", str(work / "processed"),
           "--out", str(work / "reports"), "--run-date", "2026-11-29", *period, *([] if pdf else ["--no-pdf"])]
    started = time.perf_counter()
    with open(work / "out.txt", "w") as out, open(work / "err.txt", "w") as err:
        proc = psutil.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        peak = 0
        while proc.poll() is None:
            rss = 0
            try:
                for p in [proc, *proc.children(recursive=True)]:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            peak = max(peak, rss)
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    result = {"export": name, "exit": proc.returncode, "seconds": round(seconds, 1), "peak_gb": round(peak / 1e9, 2)}
    pdfs = sorted((work / "reports").glob("*/*.pdf"))
    if pdfs:
        info = subprocess.run(["pdfinfo", str(pdfs[0])], capture_output=True, text=True).stdout
        result["pages"] = next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), None)
    manifest = work / "processed" / "manifest.json"
    if manifest.exists():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        result["files"] = [{k: f.get(k, 0) for k in ("path", "table", "rows_read", "rows_kept", "rows_rejected",
                                                      "duplicates", "states_folded")} for f in m["files"]]
    err_text = (work / "err.txt").read_text(encoding="utf-8", errors="replace").strip().splitlines()
    result["stderr"] = [line for line in err_text if line.startswith(("error", "warning", "internal"))][-5:]
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exports", nargs="*", default=list(EXPORTS), help=f"of: {', '.join(EXPORTS)}")
    ap.add_argument("--no-pdf", action="store_true", help="render the HTML only")
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args(argv)
    if not REAL.is_dir():
        print(f"real exports not found at {REAL} (set AFTERCARE_REAL_DATA)", file=sys.stderr)
        return 2
    results = []
    for name in args.exports:
        with tempfile.TemporaryDirectory(prefix=f"bench_real.{name}.") as tmp:
            r = run(name, Path(tmp), pdf=not args.no_pdf)
        results.append(r)
        print(f"{name}: exit {r['exit']}, {r['seconds']:.0f} s, peak {r['peak_gb']:.2f} GB (all processes), "
              f"{r.get('pages', '–')} pages")
        for f in r.get("files", []):
            print(f"  {f['path']} ({f['table']}): read {f['rows_read']:,} = kept {f['rows_kept']:,} + rejected "
                  f"{f['rows_rejected']:,} + duplicates {f['duplicates']:,} + states {f['states_folded']:,}")
        for line in r["stderr"]:
            print(f"  {line}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0 if all(r["exit"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
