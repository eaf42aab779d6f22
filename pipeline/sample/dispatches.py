"""Dispatches: the service-level clock, each dispatch's call, arrival, diagnosis, parts and visits, and
the two dispatch exports (``dispatches_2007_2008.csv`` Traditional, ``dispatches_2009.csv`` Simplified).

Times are naive local wall-clock datetimes to the minute; business hours are Mon-Fri 09:00-18:00,
with no holidays (``SLA_RULES``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from pipeline.sample.config import (
    BRANCH,
    BREACH_PROB,
    BREACH_PROB_OFF_HOURS_EXTRA,
    CAG_ACCURACY,
    CAUSE_GIVEN_SYMPTOM,
    CAUSE_NOUNS,
    CAUSE_PARTS,
    CAUSES,
    DISPATCH_HEADERS_HANS,
    DISPATCH_HEADERS_HANT,
    FILE_DISPATCHES_NEW,
    FILE_DISPATCHES_OLD,
    PART_NAMES,
    PART_SEPARATORS,
    SECOND_CAUSE_RATE,
    SERVICE_LEVEL_WRITTEN,
    SYMPTOM_PRIOR,
    SYMPTOMS,
)
from pipeline.sample.draws import pick, pick_weighted
from pipeline.sample.files import write_csv
from pipeline.sample.names import TraditionalToSimplified
from pipeline.sample.quirks import plant_quirks


def _next_business_day(d: date) -> date:
    d = d + timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _is_business_time(t: datetime) -> bool:
    return t.weekday() < 5 and time(9, 0) <= t.time() < time(18, 0)


def sla_deadline(reported: datetime, level: str) -> datetime:
    """The latest on-site time that meets the service level (see ``SLA_RULES``)."""
    if level == "7x24x4":
        return reported + timedelta(hours=4)
    if level == "7x24x8":
        return reported + timedelta(hours=8)
    if level != "5x9":
        raise ValueError(f"unknown service level {level!r}")
    if _is_business_time(reported):
        received = reported.date()
    elif reported.weekday() < 5 and reported.time() < time(9, 0):
        received = reported.date()
    else:
        received = _next_business_day(reported.date())
    return datetime.combine(_next_business_day(received), time(18, 0))


def _fmt_datetime(t: datetime | None, style: int) -> str:
    if t is None:
        return ""
    if style == 0:
        return f"{t.year}.{t.month:02d}.{t.day:02d} {t.hour:02d}:{t.minute:02d}"
    if style == 1:
        return f"{t.year}/{t.month}/{t.day} {t.hour:02d}:{t.minute:02d}"
    if style == 2:
        return f"{t.year}年{t.month}月{t.day}日 {t.hour:02d}:{t.minute:02d}"
    return f"{t.year}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:00"


def _iso(t) -> str | None:
    if t is None:
        return None
    if isinstance(t, datetime):
        return t.strftime("%Y-%m-%dT%H:%M")
    return t.isoformat()


def _minutes(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


# ============================================================================================
# one dispatch

def report_time(rng, day: date, level: str) -> tuple[datetime, bool]:
    """A call time on ``day`` (moved to a weekday for business-hours calls); True if off-hours."""
    off = rng.random() < (0.15 if level == "5x9" else 0.30)
    if not off:
        while day.weekday() >= 5:
            day = day + timedelta(days=1)
        minute = int(rng.integers(9 * 60, 18 * 60))
    elif level == "5x9":  # weekday evenings or weekend daytime; never a weekday before 09:00
        if day.weekday() < 5:
            minute = int(rng.integers(18 * 60, 23 * 60))
        else:
            minute = int(rng.integers(8 * 60, 22 * 60))
    else:
        minute = int(rng.integers(0, 24 * 60))
    t = datetime.combine(day, time(0, 0)) + timedelta(minutes=minute)
    return t, not _is_business_time(t)


def _arrival(rng, reported: datetime, level: str, off_hours: bool) -> tuple[datetime, datetime]:
    deadline = sla_deadline(reported, level)
    p_breach = BREACH_PROB[level] + (BREACH_PROB_OFF_HOURS_EXTRA if off_hours and level != "5x9" else 0.0)
    breach = rng.random() < p_breach
    if level != "5x9":
        window = (deadline - reported).total_seconds() / 60.0
        if breach:
            late = 10 + int(rng.exponential(120 if level == "7x24x4" else 180))
            return deadline + timedelta(minutes=late), deadline
        lo = 20 if level == "7x24x4" else 45
        return reported + timedelta(minutes=int(rng.integers(lo, int(window) + 1))), deadline
    # 5x9: engineers arrive in business hours
    if breach:
        day = _next_business_day(deadline.date())
        arr = datetime.combine(day, time(9, 0)) + timedelta(minutes=int(rng.integers(0, 8 * 60)))
        if rng.random() < 0.3:  # or the same evening, just late
            arr = deadline + timedelta(minutes=int(rng.integers(10, 150)))
        return arr, deadline
    received = reported if _is_business_time(reported) else datetime.combine(
        _next_business_day(reported.date()) if not (reported.weekday() < 5 and reported.time() < time(9, 0))
        else reported.date(), time(9, 0))
    same_day_end = datetime.combine(received.date(), time(18, 0))
    earliest = received + timedelta(minutes=30)
    if rng.random() < 0.45 and earliest < same_day_end:
        span = int((same_day_end - earliest).total_seconds() // 60)
        return earliest + timedelta(minutes=int(rng.integers(0, span + 1))), deadline
    day = deadline.date()
    arr = datetime.combine(day, time(9, 0)) + timedelta(minutes=int(rng.integers(0, 9 * 60 + 1)))
    return arr, deadline


def _parts_kit(symptom: str, predicted: str) -> list[str]:
    """CAG's kit: the predicted cause's parts, then the next most likely causes' parts; at most 2."""
    kit = list(CAUSE_PARTS[predicted])
    ranked = sorted(CAUSE_GIVEN_SYMPTOM[symptom].items(), key=lambda kv: (-kv[1], kv[0]))
    for cause, _p in ranked:
        if len(kit) >= 2:
            break
        if cause == predicted:
            continue
        for part in CAUSE_PARTS[cause]:
            if part not in kit and len(kit) < 2:
                kit.append(part)
    return kit[:2]


def _cause_text(rng, causes: list[str]) -> str:
    spell = [pick(rng, CAUSES[cz]) for cz in causes]
    if len(causes) == 1:
        return spell[0]
    a, b = causes
    if a in CAUSE_NOUNS and b in CAUSE_NOUNS:
        style = int(rng.integers(3))
        if style == 0:
            return f"{CAUSE_NOUNS[a]},{CAUSE_NOUNS[b]}皆損壞"
        if style == 2:
            return f"{CAUSE_NOUNS[a]}+{CAUSE_NOUNS[b]}"
    return f"{spell[0]}、{spell[1]}"


def make_ticket(rng, c, machine, level, reported, off_hours, engineer, end_dt) -> dict:
    """One dispatch of ``machine`` called in at ``reported``: arrival against the deadline, symptom and
    causes, CAG's predicted cause and parts kit, visits and closing time (left open, with one visit
    written, if it would close after ``end_dt`` or, for 65% of the calls in the last 30 days), and
    the spellings it is written with."""
    arrived, deadline = _arrival(rng, reported, level, off_hours)
    symptom = pick_weighted(rng, list(SYMPTOM_PRIOR), list(SYMPTOM_PRIOR.values()))
    dist = CAUSE_GIVEN_SYMPTOM[symptom]
    codes = list(dist)
    first = pick_weighted(rng, codes, [dist[k] for k in codes])
    causes = [first]
    if rng.random() < SECOND_CAUSE_RATE:
        rest = [k for k in codes if k != first]
        causes.append(pick_weighted(rng, rest, [dist[k] for k in rest]))
    if rng.random() < CAG_ACCURACY:
        predicted = first
    else:
        rest = [k for k in codes if k != first]
        predicted = pick_weighted(rng, rest, [dist[k] for k in rest])
    kit = _parts_kit(symptom, predicted)
    used: list[str] = []
    for cz in causes:
        for part in CAUSE_PARTS[cz]:
            if part not in used:
                used.append(part)
    covered = all(p in kit for p in used)
    if not covered:
        visits = 3 if rng.random() < 0.15 else 2
        reason = "wrong_diagnosis" if predicted != first else "kit_incomplete"
    elif rng.random() < 0.04:
        visits = 2
        reason = pick(rng, ("part_not_available", "inexperience"))
    else:
        visits, reason = 1, None
    if visits == 1:
        closed = arrived + timedelta(minutes=int(rng.integers(30, 6 * 60)))
    elif visits == 2:
        closed = arrived + timedelta(minutes=int(rng.integers(24 * 60, 5 * 24 * 60)))
    else:
        closed = arrived + timedelta(minutes=int(rng.integers(3 * 24 * 60, 10 * 24 * 60)))
    open_ = closed > end_dt or (reported > end_dt - timedelta(days=30) and rng.random() < 0.65)
    return {
        "customer": c, "machine": machine, "level": level, "reported": reported, "arrived": arrived,
        "deadline": deadline, "closed": None if open_ else closed, "open": open_,
        "breached": arrived > deadline, "off_hours": off_hours,
        "symptom": symptom, "symptom_text": pick(rng, SYMPTOMS[symptom]),
        "causes": causes, "cause_text": _cause_text(rng, causes),
        "predicted": predicted, "predicted_text": pick(rng, CAUSES[predicted]),
        "parts_sent": kit, "parts_used": used, "visits": visits if not open_ else 1,
        "true_visits": visits, "second_visit_reason": reason, "engineer": engineer,
        "sep_sent": pick(rng, PART_SEPARATORS), "sep_used": pick(rng, PART_SEPARATORS),
        "level_written": pick(rng, SERVICE_LEVEL_WRITTEN[level]), "date_style": int(rng.integers(4)),
    }


def has_repeat_dispatches(custs: list[dict], tickets: list[dict]) -> list[bool]:
    """Per customer (in the order of ``custs``): True if it has two or more dispatches."""
    n_tickets: dict[str, int] = {}
    for t in tickets:
        n_tickets[t["customer"]["customer_id"]] = n_tickets.get(t["customer"]["customer_id"], 0) + 1
    return [n_tickets.get(c["customer_id"], 0) >= 2 for c in custs]


def number_dispatches(tickets: list[dict]) -> None:
    """Sort ``tickets`` by call time, customer and serial and give them ids ``D<year>-<nnnnnn>``, numbered
    per year."""
    tickets.sort(key=lambda t: (t["reported"], t["customer"]["customer_id"], t["machine"]["serial"]))
    seq: dict[int, int] = {}
    for t in tickets:
        y = t["reported"].year
        seq[y] = seq.get(y, 0) + 1
        t["ticket_id"] = f"D{y}-{seq[y]:06d}"


# ============================================================================================
# the dispatch exports

def _choose_alias_dispatches(rng: np.random.Generator, custs: list[dict], tickets: list[dict]) -> None:
    """Set each ticket's ``use_alias``: an aliased customer's dispatches name it by its alias with
    probability 1/2 each, and at least one does."""
    by_customer: dict[str, list[dict]] = {}
    for t in tickets:
        t["use_alias"] = False
        by_customer.setdefault(t["customer"]["customer_id"], []).append(t)
    for c in custs:
        ts = by_customer.get(c["customer_id"], [])
        if "alias" in c and ts:
            flags = rng.random(len(ts)) < 0.5
            if not flags.any():
                flags[int(rng.integers(len(ts)))] = True
            for t, f in zip(ts, flags):
                t["use_alias"] = bool(f)


def _dispatch_row(t: dict, conv) -> list[str]:
    """The export row of ticket ``t``, its text through ``conv`` (the script); sets ``t["name_written"]``."""
    c = t["customer"]
    name = c["alias"] if t["use_alias"] else c["name"]
    t["name_written"] = conv(name)
    st = t["date_style"]
    return [
        t["ticket_id"], _fmt_datetime(t["reported"], st), _fmt_datetime(t["arrived"], st),
        _fmt_datetime(t["closed"], st), conv(name), t["level_written"], t["machine"]["type_model"],
        t["machine"]["serial"], conv(t["symptom_text"]), "" if t["open"] else conv(t["cause_text"]),
        conv(t["predicted_text"]), conv(t["sep_sent"].join(PART_NAMES[p] for p in t["parts_sent"])),
        "" if t["open"] else conv(t["sep_used"].join(PART_NAMES[p] for p in t["parts_used"])),
        str(t["visits"]), conv(t["engineer"]), conv(BRANCH)]


def _dispatch_corruptions(rng: np.random.Generator, part: list[dict], simplified: bool, split_year: int) -> list:
    """The corrupt rows planted in one dispatch export (of the tickets ``part``), for ``plant_quirks``."""
    year_txt = str(part[0]["reported"].year if part else split_year)

    def bad_date(row, year_txt=year_txt):
        row = list(row)
        row[1] = f"{year_txt}.13.45 10:00"
        return row

    def no_customer(row):
        row = list(row)
        row[4] = ""
        return row

    def eligible_closed(i, part=part):
        return part[i]["closed"] is not None

    def corrupt_closed(row, part=part):
        row = list(row)
        t = next(x for x in part if x["ticket_id"] == row[0])
        before = t["reported"] - timedelta(days=int(rng.integers(1, 4)), minutes=int(rng.integers(0, 600)))
        row[3] = _fmt_datetime(_minutes(before), t["date_style"])
        return row

    corruptions = [("bad_date", lambda i: True, bad_date), ("missing_customer", lambda i: True, no_customer),
                   ("closed_before_reported", eligible_closed, corrupt_closed)]
    if not simplified:
        corruptions.append(("malformed_row", lambda i: True, lambda row: list(row[:5])))
    return corruptions


def _dispatch_truth(t: dict, fname: str, rownum: int, reason: str | None) -> dict:
    """The truth of ticket ``t`` as written in row ``rownum`` of file ``fname`` (``reason``: why the
    row is rejected, or None)."""
    return {
        "customer_id": t["customer"]["customer_id"], "customer_name_written": t["name_written"],
        "contract_id": t["contract"]["contract_id"], "service_level": t["level"],
        "machine_type_model": t["machine"]["type_model"], "serial": t["machine"]["serial"],
        "reported_at": _iso(t["reported"]), "arrived_at": _iso(t["arrived"]),
        "closed_at": _iso(t["closed"]), "deadline": _iso(t["deadline"]), "breached": t["breached"],
        "off_hours": t["off_hours"], "open": t["open"], "symptom_code": t["symptom"],
        "cause_codes": list(t["causes"]), "predicted_cause_code": t["predicted"],
        "cag_correct": t["predicted"] == t["causes"][0], "parts_sent": list(t["parts_sent"]),
        "parts_used": list(t["parts_used"]), "visits": t["true_visits"],
        "visits_written": t["visits"], "first_time_fix": t["true_visits"] == 1,
        "second_visit_reason": t["second_visit_reason"], "engineer": t["engineer"],
        "source_file": fname, "source_row": rownum, "reject_reason": reason,
    }


def write_dispatch_files(rng: np.random.Generator, out: Path, custs: list[dict], tickets: list[dict],
                         t2s: TraditionalToSimplified, written: dict[str, set[str]],
                         split_year: int) -> tuple[dict[str, dict], dict[str, dict]]:
    """Write the two dispatch exports into ``out``: the dispatches called in before ``split_year`` in
    Traditional script (UTF-8 with BOM), the rest in Simplified (GB18030); each with exact duplicates
    and one corrupt row per reject reason.

    Adds each customer name written to ``written`` (customer id -> the names it is written as); returns
    ``(dispatch_truth, quirks)``: per ticket id its truth, per file name its quirk record."""
    files_quirks: dict[str, dict] = {}
    dispatch_truth: dict[str, dict] = {}
    _choose_alias_dispatches(rng, custs, tickets)
    for fname, simplified in ((FILE_DISPATCHES_OLD, False), (FILE_DISPATCHES_NEW, True)):
        part = [t for t in tickets if (t["reported"].year < split_year) != simplified]
        conv = t2s if simplified else (lambda s: s)
        rows = [_dispatch_row(t, conv) for t in part]
        corruptions = _dispatch_corruptions(rng, part, simplified, split_year)
        final, record, row_of = plant_quirks(rng, rows, 3, corruptions, first_row=2)
        reject_rows = {r["row"]: r["reason"] for r in record["rejects"]}
        for i, t in enumerate(part):
            rownum = row_of[i]
            reason = reject_rows.get(rownum)
            if reason != "missing_customer":
                written[t["customer"]["customer_id"]].add(t["name_written"])
            dispatch_truth[t["ticket_id"]] = _dispatch_truth(t, fname, rownum, reason)
        write_csv(out / fname, DISPATCH_HEADERS_HANS if simplified else DISPATCH_HEADERS_HANT, final,
                  "gb18030" if simplified else "utf-8-sig")
        files_quirks[fname] = record
    return dispatch_truth, files_quirks
