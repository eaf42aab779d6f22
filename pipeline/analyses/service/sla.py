"""Service-level clocks: response deadlines, breaches and compliance (docs/domain.md, "Service levels and
their clocks").

Service levels (contract values of ``dispatches.service_level``):

``5x9``
    Weekdays, 9 business hours (Mon–Fri 09:00–18:00 local time, minus holidays), next business day.
    A call is *received* at its report time when that falls inside business hours; a call outside
    them (evening, night, weekend, holiday) counts as received at 09:00 of the next business
    opening (for a call before 09:00 on a business day: 09:00 the same day). The engineer must be
    on site by 18:00 of the business day *after* the day the call is received. So a Friday 17:55
    call is due Monday 18:00 and a Friday 18:30 call is received Monday 09:00 and due Tuesday 18:00.
``7x24x8`` / ``7x24x4``
    Around the clock: on site within 8 / 4 wall-clock hours of the report.

All times are naive local timestamps (``datetime64[ns]``); all durations are returned in **hours**
(float). Per-row results (:func:`business_hours_between`, :func:`received_at`,
:func:`response_deadline`, :func:`sla_flags`) use no cross-row state, so they can run on Dask
partitions; only :func:`sla_compliance` aggregates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.analyses.period import month_labels
from pipeline.analyses.stats import rate_table, wilson_interval  # noqa: F401  (re-exported)

__all__ = [
    "DEFAULT_TARGETS", "business_hours_between", "received_at", "response_deadline", "sla_flags",
    "sla_compliance", "wilson_interval",
]

#: Response targets per service level. ``clock="business"``: due at ``day_end`` of the
#: ``days``-th business day after the day the call is received. ``clock="wall"``: due ``hours``
#: wall-clock hours after the report. Pass a modified copy as ``targets=`` to change them.
DEFAULT_TARGETS: dict[str, dict] = {
    "5x9": {"clock": "business", "days": 1},
    "7x24x8": {"clock": "wall", "hours": 8},
    "7x24x4": {"clock": "wall", "hours": 4},
}

_HOUR = np.timedelta64(3_600_000_000_000, "ns")
_WEEKMASK = "1111100"   # Mon–Fri


# --------------------------------------------------------------------------- helpers
def _calendar(holidays: Iterable) -> np.busdaycalendar:
    days = [np.datetime64(pd.Timestamp(h).date(), "D") for h in holidays]
    return np.busdaycalendar(weekmask=_WEEKMASK, holidays=np.array(days, dtype="datetime64[D]"))


def _as_series(values, index=None) -> pd.Series:
    """Timestamps as a naive ``datetime64[ns]`` Series (tz-aware input keeps its local wall time)."""
    if isinstance(values, pd.Series):
        s = values
    elif np.ndim(values) == 0:
        s = pd.Series([values], index=index)
    else:
        s = pd.Series(values, index=index)
    s = pd.to_datetime(s)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    return s.astype("datetime64[ns]")


def _split(ts: np.ndarray):
    """(day as datetime64[D] with NaT replaced by a dummy, hour of day as float, NaT mask)."""
    nat = np.isnat(ts)
    day = ts.astype("datetime64[D]")
    day = np.where(nat, np.datetime64("2000-01-03", "D"), day)
    hour = (ts - day.astype("datetime64[ns]")) / _HOUR
    return day, np.where(nat, np.nan, hour), nat


# --------------------------------------------------------------------------- clocks
def business_hours_between(start, end, *, holidays: Iterable = (), day_start: float = 9,
                           day_end: float = 18) -> pd.Series:
    """Business hours between ``start`` and ``end``, element-wise.

    Business time is Mon–Fri from ``day_start`` to ``day_end`` o'clock (default 09:00–18:00, i.e.
    9 hours a day), excluding ``holidays`` (dates). Time outside business hours counts zero, so a
    span from Friday 17:00 to Monday 10:00 is 2.0 hours. Result in hours (float), signed
    (negative when ``end`` is before ``start``), NaN where either end is missing.

    Vectorised with :func:`numpy.busday_count`: hours = ``L * busdays[start_day, end_day)`` +
    ``part(end) - part(start)``, where ``L = day_end - day_start`` and ``part(t)`` is the business
    time elapsed on ``t``'s own day (0 on non-business days).
    """
    s = _as_series(start)
    e = _as_series(end)
    if len(s) == 1 and len(e) != 1:
        s = pd.Series(np.repeat(s.to_numpy(), len(e)), index=e.index)
    elif len(e) == 1 and len(s) != 1:
        e = pd.Series(np.repeat(e.to_numpy(), len(s)), index=s.index)
    if len(s) != len(e):
        raise ValueError(f"business_hours_between: {len(s)} starts but {len(e)} ends")
    cal = _calendar(holidays)
    length = float(day_end - day_start)
    sd, sh, snat = _split(s.to_numpy())
    ed, eh, enat = _split(e.to_numpy())

    def part(day, hour):
        inside = np.clip(hour - day_start, 0.0, length)
        return np.where(np.is_busday(day, busdaycal=cal), inside, 0.0)

    days = np.busday_count(sd, ed, busdaycal=cal).astype(float)
    hours = length * days + part(ed, eh) - part(sd, sh)
    hours = np.where(snat | enat, np.nan, hours)
    return pd.Series(hours, index=s.index, name="business_hours", dtype="float64")


def received_at(reported_at, *, holidays: Iterable = (), day_start: float = 9,
                day_end: float = 18) -> pd.Series:
    """When a ``5x9`` call counts as received: the report time if it falls within business hours
    (``day_start`` ≤ hour < ``day_end`` on a business day), else ``day_start`` o'clock of the next
    business opening (the same day for a call before opening on a business day)."""
    r = _as_series(reported_at)
    cal = _calendar(holidays)
    day, hour, nat = _split(r.to_numpy())
    busday = np.is_busday(day, busdaycal=cal)
    after_close = busday & (hour >= day_end)
    rday = np.busday_offset(day, after_close.astype(int), roll="forward", busdaycal=cal)
    opening = rday.astype("datetime64[ns]") + np.timedelta64(int(day_start * 3600), "s")
    inside = busday & (hour >= day_start) & (hour < day_end)
    out = np.where(inside, r.to_numpy(), opening)
    out = np.where(nat, np.datetime64("NaT"), out).astype("datetime64[ns]")
    return pd.Series(out, index=r.index, name="received_at")


def response_deadline(reported_at, service_level, *, holidays: Iterable = (),
                      targets: Mapping[str, Mapping] = DEFAULT_TARGETS, day_start: float = 9,
                      day_end: float = 18) -> pd.Series:
    """The time by which an engineer must be on site, element-wise (``datetime64[ns]``).

    ``5x9`` (``clock="business"``): ``day_end`` o'clock of the ``days``-th business day after the
    day the call is received (see :func:`received_at`). ``7x24x8``/``7x24x4`` (``clock="wall"``):
    the report time plus ``hours`` wall-clock hours. NaT for an unknown or missing service level
    or a missing report time.
    """
    r = _as_series(reported_at)
    level = (service_level if isinstance(service_level, pd.Series)
             else pd.Series(np.broadcast_to(np.asarray(service_level, dtype=object), len(r)), index=r.index))
    level = level.reindex(r.index) if not level.index.equals(r.index) else level
    cal = _calendar(holidays)
    out = np.full(len(r), np.datetime64("NaT"), dtype="datetime64[ns]")
    rv = r.to_numpy()
    rec = None
    for name, target in targets.items():
        # fillna: Arrow-backed text compares to NA where the level is missing
        mask = (level == name).fillna(False).to_numpy(dtype=bool) & ~np.isnat(rv)
        if not mask.any():
            continue
        clock = target.get("clock", "wall")
        if clock == "wall":
            out[mask] = rv[mask] + np.timedelta64(int(round(float(target["hours"]) * 3600)), "s")
        elif clock == "business":
            if rec is None:
                rec = received_at(r, holidays=holidays, day_start=day_start, day_end=day_end).to_numpy()
            rday = rec[mask].astype("datetime64[D]")
            due = np.busday_offset(rday, int(target.get("days", 1)), roll="forward", busdaycal=cal)
            out[mask] = due.astype("datetime64[ns]") + np.timedelta64(int(day_end * 3600), "s")
        else:
            raise ValueError(f"service level {name!r}: clock must be 'business' or 'wall', got {clock!r}")
    return pd.Series(out, index=r.index, name="response_deadline")


# --------------------------------------------------------------------------- flags
_PASS_THROUGH = ["ticket_id", "customer_id", "customer_name", "engineer", "service_level", "machine_type",
                 "symptom_code", "tier", "reported_at", "arrived_at"]


def sla_flags(dispatches: pd.DataFrame, *, as_of=None, holidays: Iterable = (),
              targets: Mapping[str, Mapping] = DEFAULT_TARGETS, day_start: float = 9,
              day_end: float = 18) -> pd.DataFrame:
    """Per-ticket service-level outcome (one row per dispatch, same index).

    Columns (besides identifying columns passed through: ticket_id, customer_id, engineer,
    service_level, tier when present, reported_at, arrived_at):

    - ``month``: report month, ``YYYY-MM``.
    - ``response_deadline``: see :func:`response_deadline`.
    - ``response_hours``: report → arrival in the level's own clock: business hours
      (:func:`business_hours_between`) for ``5x9``, wall-clock hours otherwise; NaN when not arrived.
    - ``breached`` (nullable boolean): arrived after the deadline; for a ticket without an arrival
      (or arriving after ``as_of``): True when ``as_of`` is past the deadline, else NA (not yet
      decided). With ``as_of=None`` every non-arrived ticket is NA. NA too for an unknown level.
    - ``lateness_hours``: wall-clock hours past the deadline, ≥ 0 (0 when on time; for an open
      breached ticket, hours from deadline to ``as_of``); NaN when undecided.

    Uses no cross-row state (``as_of`` is a parameter), so it runs per partition.
    """
    d = dispatches
    out = pd.DataFrame(index=d.index)
    for col in _PASS_THROUGH:
        if col in d:
            out[col] = d[col]
    reported = _as_series(d["reported_at"])
    arrived = _as_series(d["arrived_at"]) if "arrived_at" in d else pd.Series(pd.NaT, index=d.index,
                                                                                 dtype="datetime64[ns]")
    level = d["service_level"] if "service_level" in d else pd.Series(None, index=d.index, dtype=object)
    as_of = pd.Timestamp(as_of) if as_of is not None else None
    if as_of is not None:
        arrived = arrived.where(arrived <= as_of)       # an arrival after as_of is not known yet
    out["month"] = month_labels(reported)
    deadline = response_deadline(reported, level, holidays=holidays, targets=targets,
                                 day_start=day_start, day_end=day_end)
    out["response_deadline"] = deadline

    wall = (arrived - reported) / pd.Timedelta(hours=1)
    business = business_hours_between(reported, arrived, holidays=holidays, day_start=day_start,
                                      day_end=day_end)
    business_levels = [k for k, t in targets.items() if t.get("clock") == "business"]
    out["response_hours"] = np.where(level.isin(business_levels).fillna(False).to_numpy(dtype=bool),
                                     business, wall).astype(float)

    has_deadline = deadline.notna()
    arrived_ok = arrived.notna() & has_deadline
    late_arrival = ((arrived - deadline) / pd.Timedelta(hours=1)).clip(lower=0)
    if as_of is not None:
        open_overdue = arrived.isna() & has_deadline & (deadline < as_of)
        late_open = (as_of - deadline) / pd.Timedelta(hours=1)
    else:
        open_overdue = pd.Series(False, index=d.index)
        late_open = pd.Series(np.nan, index=d.index)
    breached = pd.array(np.where(arrived_ok, (arrived > deadline).to_numpy(), open_overdue.to_numpy()),
                        dtype="boolean")
    breached[~(arrived_ok | open_overdue).to_numpy()] = pd.NA
    out["breached"] = breached
    out["lateness_hours"] = np.where(arrived_ok, late_arrival, np.where(open_overdue, late_open, np.nan))
    return out


# --------------------------------------------------------------------------- compliance
def sla_compliance(flags: pd.DataFrame, by: str | Sequence[str] = "service_level", confidence: float = 0.95,
                   *, customers: pd.DataFrame | None = None, total: bool = False) -> pd.DataFrame:
    """Breach rate per group with a Wilson score interval (``sla_compliance.csv``).

    ``flags`` is the output of :func:`sla_flags`. ``by`` is one or more columns of it, e.g.
    ``"service_level"`` (default), ``"month"``, ``"engineer"`` or ``"tier"`` (``tier`` is joined
    from ``customers`` on ``customer_id`` when given and not already present).

    Columns: the ``by`` columns, ``dispatches`` (tickets whose outcome is decided, i.e. ``breached``
    is not NA; undecided tickets are counted in ``undecided``), ``breaches``, ``breach_rate``
    (fraction 0–1), ``ci_low``, ``ci_high`` (Wilson, ``confidence``), ``undecided``. Tickets with no
    service level are left out when grouping by service level. ``total=True`` appends a row
    labelled ``"all"``.
    """
    by = [by] if isinstance(by, str) else list(by)
    f = flags
    if "tier" in by and "tier" not in f and customers is not None:
        f = f.merge(customers[["customer_id", "tier"]], on="customer_id", how="left")
    if "service_level" in by:
        f = f[f["service_level"].notna()]
    missing = [c for c in by if c not in f]
    if missing:
        raise KeyError(f"sla_compliance: flags have no column(s) {missing}")
    out = rate_table(f, by, "breached", count="dispatches", hits="breaches", rate="breach_rate",
                      confidence=confidence)
    und = f[f["breached"].isna()].groupby(by, dropna=False, observed=True).size().rename("undecided")
    out = out.merge(und.reset_index(), on=by, how="outer")
    if total:
        everything = f.assign(**dict.fromkeys(by, "all"))
        tot = rate_table(everything, by, "breached", count="dispatches", hits="breaches",
                          rate="breach_rate", confidence=confidence)
        tot["undecided"] = int(f["breached"].isna().sum())
        out = pd.concat([out, tot], ignore_index=True)
    for c in ("dispatches", "breaches", "undecided"):
        out[c] = out[c].fillna(0).astype("int64")
    return out[[*by, "dispatches", "breaches", "breach_rate", "ci_low", "ci_high", "undecided"]]
