"""Per-customer service reviews (docs/domain.md, "Customers: records, reviews and tiers"): one short report
per customer
due in the period, quarterly for VIP and frequently serviced customers, half-yearly for others.

:func:`due_customers` decides who is due; :func:`customer_review` gathers one customer's numbers
(machines, dispatches against the SLA, repeat visits, parts, open tickets, contracts);
:func:`agenda` turns them into the "to raise in the review meeting" list through the message
catalogue; :func:`run_reviews` executes ``notebooks/review.ipynb`` once per due customer (in
parallel processes, customer ids passed as string parameters) and renders each into
``reports/<period>/reviews/<safe name>.html`` / ``.pdf`` with ``reviews/index.csv`` mapping ids to
files. Customer ids and names come from data: they are only ever papermill parameter *values*
(escaped), HTML-escaped text, and file names through :func:`safe_name`.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.analyses.period import Period
from pipeline.errors import PipelineError
from pipeline.report import i18n

#: Dispatches per quarter from which a customer counts as frequently serviced (reviewed quarterly).
FREQUENT_PER_QUARTER = 3
#: A contract ending within this many days after the period is raised in the meeting.
RENEWAL_HORIZON_DAYS = 180
REVIEW_NOTEBOOK = "review.ipynb"
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


# --------------------------------------------------------------------------------------------
# Who is due

def _quarters(period: Period) -> float:
    """How many quarters ``period`` spans (calendar periods exactly; custom ones by their days)."""
    fixed = {"quarter": 1.0, "half": 2.0, "year": 4.0, "month": 1 / 3}
    if period.kind in fixed:
        return fixed[period.kind]
    days = (period.end_exclusive - period.start).days
    return max(days / (365.25 / 4), 1e-9)


def is_half_year_end(period: Period) -> bool:
    """Whether the period closes a half year: Q2, Q4, H1, H2, a year, June or December."""
    if period.kind in ("half", "year"):
        return True
    return period.end.month in (6, 12) and period.end.is_month_end


def due_customers(data: dict[str, pd.DataFrame], period: Period,
                  frequent_per_quarter: float = FREQUENT_PER_QUARTER) -> pd.DataFrame:
    """Customers due a review in ``period``: ``customer_id``, ``customer_name``, ``tier``,
    ``dispatches`` (in the period), ``cadence`` (``quarterly`` | ``half-yearly``), ``reason``
    (``vip`` | ``frequent`` | ``half-yearly``), sorted by id.

    VIP and frequently serviced customers (at least ``frequent_per_quarter`` dispatches per
    quarter of the period) are due every period. Other customers are due when the period closes a
    half year, if they had a dispatch in that half year or a maintenance contract running in it.
    """
    if not (isinstance(frequent_per_quarter, (int, float)) and frequent_per_quarter > 0):
        raise PipelineError("reviews: the frequent-service threshold must be a positive number, "
                            f"got {frequent_per_quarter!r}")
    d, c, k = data["dispatches"], data["customers"], data["contracts"]
    in_period = d[period.contains(d["reported_at"])]
    counts = in_period.groupby("customer_id").size()
    names = pd.concat([c[["customer_id", "customer_name"]], d[["customer_id", "customer_name"]]])
    names = names.dropna(subset=["customer_id"]).drop_duplicates("customer_id")
    names = names.set_index("customer_id")["customer_name"]
    tiers = c.dropna(subset=["customer_id"]).drop_duplicates("customer_id").set_index("customer_id")["tier"]
    ids = sorted(set(names.index.astype(str)))
    half_end = is_half_year_end(period)
    if half_end:
        window_start = min(period.start, period.end_exclusive - pd.DateOffset(months=6))
        window = d[(d["reported_at"] >= window_start) & (d["reported_at"] < period.end_exclusive)]
        active = set(window["customer_id"].astype(str))
        running = k[(k["start_date"] < period.end_exclusive) & (k["end_date"] >= window_start)]
        active |= set(running["customer_id"].astype(str))
    rows = []
    for cid in ids:
        n = int(counts.get(cid, 0))
        tier = tiers.get(cid)
        tier = None if tier is None or (isinstance(tier, float) and math.isnan(tier)) else str(tier)
        if tier == "VIP":
            reason = "vip"
        elif n / _quarters(period) >= frequent_per_quarter:
            reason = "frequent"
        elif half_end and cid in active:
            reason = "half-yearly"
        else:
            continue
        rows.append({"customer_id": cid, "customer_name": str(names.get(cid, cid)), "tier": tier,
                     "dispatches": n, "cadence": "half-yearly" if reason == "half-yearly" else "quarterly",
                     "reason": reason})
    return pd.DataFrame(rows, columns=["customer_id", "customer_name", "tier", "dispatches", "cadence", "reason"])


# --------------------------------------------------------------------------------------------
# Safe file names

def safe_name(customer_id: str) -> str:
    """A file name for ``customer_id`` that cannot leave its folder.

    Plain ids (letters, digits, ``-``, ``_``, up to 60 characters, not starting with ``-``) are
    kept as they are (``007`` stays ``007``); anything else becomes the plain characters plus a
    hash of the id, so different ids never share a file.
    """
    text = str(customer_id)
    if text and len(text) <= 60 and not _SAFE.search(text) and not text.startswith("-"):
        return text
    stem = _SAFE.sub("_", text).strip("_-")[:40] or "customer"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{stem}-{digest}"


def safe_names(customer_ids) -> dict[str, str]:
    """``safe_name`` for many ids, checked to be distinct (case-insensitively, for Windows and macOS)."""
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for cid in customer_ids:
        name = safe_name(cid)
        if name.lower() in seen and seen[name.lower()] != cid:
            name = f"{name}-{hashlib.sha256(str(cid).encode('utf-8')).hexdigest()[:10]}"
        seen[name.lower()] = cid
        out[cid] = name
    return out


# --------------------------------------------------------------------------------------------
# One customer's review

@dataclass
class Review:
    customer_id: str
    customer_name: str
    tier: str | None
    period: Period
    machines: pd.DataFrame
    dispatches: pd.DataFrame            # the period's dispatches with their SLA outcome
    open_tickets: pd.DataFrame          # not closed by the end of the period (any report date)
    contracts: pd.DataFrame
    numbers: dict = field(default_factory=dict)


def customer_review(data: dict[str, pd.DataFrame], customer_id: str, period: Period) -> Review:
    """Everything one review shows, computed from the processed tables."""
    from pipeline.analyses.service import sla

    cid = str(customer_id)
    d_all = data["dispatches"][data["dispatches"]["customer_id"].astype(str) == cid]
    customers = data["customers"][data["customers"]["customer_id"].astype(str) == cid]
    if d_all.empty and customers.empty:
        raise PipelineError(f"reviews: no customer with id {cid!r} in the processed data")
    name = (customers["customer_name"].iloc[0] if len(customers) else d_all["customer_name"].iloc[0])
    tier = customers["tier"].iloc[0] if len(customers) and pd.notna(customers["tier"].iloc[0]) else None
    d_until = d_all[d_all["reported_at"] < period.end_exclusive]
    d = d_all[period.contains(d_all["reported_at"])].sort_values(["reported_at", "ticket_id"], kind="mergesort")
    flags = sla.sla_flags(d, as_of=period.end_exclusive) if len(d) else pd.DataFrame(
        columns=["response_deadline", "response_hours", "breached", "lateness_hours"])
    visits = pd.to_numeric(d["visits"], errors="coerce") if "visits" in d else pd.Series(dtype=float)
    timeline = pd.DataFrame({
        "ticket_id": d["ticket_id"].astype(str),
        "reported_at": d["reported_at"],
        "service_level": d["service_level"],
        "response_deadline": flags["response_deadline"] if len(d) else pd.Series(dtype="datetime64[ns]"),
        "arrived_at": d["arrived_at"],
        "closed_at": d["closed_at"],
        "response_hours": flags["response_hours"] if len(d) else pd.Series(dtype=float),
        "breached": flags["breached"] if len(d) else pd.Series(dtype="boolean"),
        "visits": visits,
        "machine": (d["machine_type"].fillna("").astype(str) + d["machine_model"].fillna("").astype(str)),
        "serial": d["serial"] if "serial" in d else None,
        "symptom_code": d["symptom_code"],
        "parts": d["parts_sent"].map(_join_parts) if "parts_sent" in d else "",
    }).reset_index(drop=True)
    closed = d_until["closed_at"]
    open_mask = closed.isna() | (closed >= period.end_exclusive)
    open_tickets = d_until[open_mask].sort_values(["reported_at", "ticket_id"], kind="mergesort")
    open_tickets = pd.DataFrame({"ticket_id": open_tickets["ticket_id"].astype(str),
                                 "reported_at": open_tickets["reported_at"],
                                 "symptom_code": open_tickets["symptom_code"]}).reset_index(drop=True)
    machines = _machines(d_until)
    k = data["contracts"][data["contracts"]["customer_id"].astype(str) == cid]
    k = k.sort_values(["end_date", "contract_id"], kind="mergesort")
    contracts = k.reindex(columns=["contract_id", "start_date", "end_date", "service_level", "annual_fee",
                                   "renewed"]).reset_index(drop=True)
    breached = timeline["breached"].dropna()
    repeat = timeline[timeline["visits"] > 1]
    current = k[(k["start_date"] < period.end_exclusive) & (k["end_date"] >= period.start)]
    upcoming = k[(k["end_date"] >= period.start) & k["renewed"].isna()]
    renewal = upcoming["end_date"].min() if len(upcoming) else (current["end_date"].max() if len(current) else None)
    unit = timeline["machine"] + timeline["serial"].fillna("").astype(str).map(lambda x: f" ({x})" if x else "")
    repeat_machines = unit[timeline["machine"] != ""].value_counts().sort_index()
    numbers = {
        "dispatches": int(len(timeline)),
        "decided": int(len(breached)),
        "breaches": int(breached.sum()) if len(breached) else 0,
        "repeat_visits": int(len(repeat)),
        "open_tickets": int(len(open_tickets)),
        "parts": int(sum(len(p.split(" + ")) for p in timeline["parts"] if p)),
        "machines": int(len(machines)),
        "renewal_date": None if renewal is None or pd.isna(renewal) else pd.Timestamp(renewal),
        "repeat_machines": {m: int(n) for m, n in repeat_machines[repeat_machines > 1].items()},
        "worst_lateness_hours": (float(flags["lateness_hours"].max())
                                 if len(d) and flags["lateness_hours"].notna().any() else None),
    }
    return Review(customer_id=cid, customer_name=str(name), tier=tier, period=period, machines=machines,
                  dispatches=timeline, open_tickets=open_tickets, contracts=contracts, numbers=numbers)


def _join_parts(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    try:
        return " + ".join(str(v) for v in value if v is not None and str(v) != "")
    except TypeError:
        return str(value)


def _machines(d: pd.DataFrame) -> pd.DataFrame:
    if d.empty:
        return pd.DataFrame(columns=["machine", "serial", "dispatches", "last_reported"])
    machine = d["machine_type"].fillna("").astype(str) + d["machine_model"].fillna("").astype(str)
    frame = pd.DataFrame({"machine": machine,
                          "serial": d["serial"].fillna("").astype(str) if "serial" in d else "",
                          "reported_at": d["reported_at"]})
    frame = frame[frame["machine"] != ""]
    out = frame.groupby(["machine", "serial"], sort=True).agg(dispatches=("reported_at", "size"),
                                                              last_reported=("reported_at", "max")).reset_index()
    return out


def agenda(review: Review, lang: str) -> list[str]:
    """The "to raise in the review meeting" list, generated from the review's numbers."""
    n = review.numbers
    t = lambda key, **v: i18n.t(key, lang, **v)  # noqa: E731
    items = []
    if n["breaches"]:
        items.append(t("review.agenda.breaches", breaches=n["breaches"], decided=n["decided"],
                       hours=f"{n['worst_lateness_hours']:.1f}" if n["worst_lateness_hours"] is not None else "–"))
    if n["repeat_visits"]:
        items.append(t("review.agenda.repeat", count=n["repeat_visits"], dispatches=n["dispatches"]))
    for machine, count in sorted(n["repeat_machines"].items()):
        items.append(t("review.agenda.machine", machine=machine, count=count))
    if n["open_tickets"]:
        items.append(t("review.agenda.open", count=n["open_tickets"]))
    renewal = n["renewal_date"]
    if renewal is not None:
        days = (renewal - review.period.end_exclusive).days
        if days <= RENEWAL_HORIZON_DAYS:
            items.append(t("review.agenda.renewal", date=renewal.date().isoformat(), days=max(days, 0)))
    else:
        items.append(t("review.agenda.no_contract"))
    if not n["dispatches"]:
        items.append(t("review.agenda.quiet"))
    if not items:
        items.append(t("review.agenda.all_well", dispatches=n["dispatches"]))
    return items


# --------------------------------------------------------------------------------------------
# The job

def run_reviews(raw_dir, processed_dir, reports_dir, *, period: str = "", start: str = "", end: str = "",
                lang: str = "en", sample_if_empty: bool = False, run_date=None, pdf: bool = True,
                sources_file=None, progress: bool = False,
                frequent_per_quarter: float = FREQUENT_PER_QUARTER, engine: str = "pandas", scheduler=None) -> Path:
    """Clean, then render one review per due customer into ``reports_dir/<period>/reviews``."""
    from pipeline import __version__
    from pipeline.report.notebooks import NOTEBOOK_DIR, execute_all
    from pipeline.report.render import render_report
    from pipeline.report.run import prepare
    from pipeline.runtime.atomic import atomic_dir

    raw_dir, processed_dir, reports_dir = Path(raw_dir), Path(processed_dir), Path(reports_dir)
    i18n.check_language(lang)
    result, data, chosen, run_date = prepare(raw_dir, processed_dir, period=period, start=start, end=end,
                                             sample_if_empty=sample_if_empty, run_date=run_date,
                                             sources_file=sources_file, engine=engine, scheduler=scheduler)
    from pipeline.ingest.sources import load_settings

    organisation = load_settings(raw_dir, sources_file).get("organisation", "")
    due = due_customers(data, chosen, frequent_per_quarter)
    target = reports_dir / chosen.label / "reviews"
    failed_dir = reports_dir / ".failed" / chosen.label / "reviews"
    notebook = NOTEBOOK_DIR / REVIEW_NOTEBOOK
    files = safe_names(due["customer_id"].tolist())
    with atomic_dir(target) as tmp:
        jobs = []
        for cid in due["customer_id"]:
            work = tmp / files[cid]
            work.mkdir()
            params = {"processed_dir": str(processed_dir.resolve()), "out_dir": str(work.resolve()),
                      "period": chosen.label if chosen.kind != "custom" else "",
                      "start": chosen.start.date().isoformat() if chosen.kind == "custom" else "",
                      "end": chosen.end.date().isoformat() if chosen.kind == "custom" else "",
                      "lang": lang, "customer_id": str(cid), "frequent_per_quarter": str(frequent_per_quarter),
                      "organisation": organisation}
            jobs.append((notebook, work / REVIEW_NOTEBOOK, params, failed_dir / files[cid]))
        executed = execute_all(jobs, progress=progress) if jobs else []
        index = []
        for (_, row), nb in zip(due.iterrows(), executed):
            cid, name = row["customer_id"], row["customer_name"]
            work = nb.parent
            meta = {"title": i18n.t("review.doc_title", lang, customer=name),
                    "subtitle": chosen.title(lang), "organisation": organisation,
                    "run_date": run_date.isoformat(), "version": __version__,
                    "references": False, "data_dictionary": False, "contents": False,
                    "parameters": {"customer_id": cid, "period": chosen.label, "lang": lang,
                                   "frequent_per_quarter": str(frequent_per_quarter), "cadence": row["cadence"],
                                   "run_date": run_date.isoformat()},
                    "inputs": [{k: f[k] for k in ("path", "table", "sha256", "rows_read", "rows_kept")}
                               for f in result.manifest["files"]]}
            out = render_report([nb], work, lang=lang, meta=meta, pdf=pdf)
            (work / "report.html").replace(tmp / f"{files[cid]}.html")
            if out["pdf"] is not None:
                (work / "report.pdf").replace(tmp / f"{files[cid]}.pdf")
            index.append({"customer_id": cid, "customer_name": name, "tier": row["tier"] or "",
                          "dispatches": row["dispatches"], "cadence": row["cadence"], "reason": row["reason"],
                          "html": f"{files[cid]}.html", "pdf": f"{files[cid]}.pdf" if pdf else ""})
        from pipeline.report.reportkit import write_csv

        write_csv(pd.DataFrame(index, columns=["customer_id", "customer_name", "tier", "dispatches", "cadence",
                                               "reason", "html", "pdf"]), tmp / "index.csv")
    shutil.rmtree(failed_dir, ignore_errors=True)
    return target
