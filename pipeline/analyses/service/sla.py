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

These are the built-in targets (:data:`DEFAULT_TARGETS`, response only). A ticket system defines its
own: sources.yml's ``options.sla_targets`` gives any level a **response** and/or a **resolution**
target, each in its own clock (``wall`` hours, or ``business`` hours or days in the calendar of
``options.business_hours``, holidays excluded); cleaning records them in the manifest
(:func:`targets_from_manifest` reads them back) and they are passed here as nested targets
``{level: {"response": {...}, "resolution": {...}}}``. A level without a target has no deadline:
its tickets are undecided, never breached.

All times are naive local timestamps (``datetime64[ns]``); all durations are returned in **hours**
(float). Per-row results (:func:`business_hours_between`, :func:`received_at`,
:func:`response_deadline`, :func:`sla_flags`) use no cross-row state, so they can run on Dask
partitions; only :func:`sla_compliance` aggregates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.analyses.period import month_labels
from pipeline.analyses.stats import rate_table, wilson_interval  # noqa: F401  (re-exported)

__all__ = [
    "AGREEMENT_OUTCOMES", "DEFAULT_TARGETS", "SlaSettings", "business_hours_between", "deadline", "level_targets",
    "received_at", "response_deadline", "sla_agreement", "sla_compliance", "sla_flags", "split_targets",
    "targets_from_manifest", "untargeted_levels", "wilson_interval",
]

#: Response targets per service level. ``clock="business"``: due at ``day_end`` of the
#: ``days``-th business day after the day the call is received. ``clock="wall"``: due ``hours``
#: wall-clock hours after the report. Pass a modified copy as ``targets=`` to change them.
DEFAULT_TARGETS: dict[str, dict] = {
    "5x9": {"clock": "business", "days": 1},
    "7x24x8": {"clock": "wall", "hours": 8},
    "7x24x4": {"clock": "wall", "hours": 4},
}

TARGET_KINDS = ("response", "resolution")


def level_targets(declared: Mapping[str, Mapping] | None = None) -> dict[str, dict]:
    """The targets in force: the built-in response targets (:data:`DEFAULT_TARGETS`) with the declared
    ``{level: {"response": …, "resolution": …}}`` on top; a declared level replaces the built-in one of
    the same name (its kinds not declared then have no target)."""
    out = {level: {"response": dict(t)} for level, t in DEFAULT_TARGETS.items()}
    for level, kinds in (declared or {}).items():
        out[str(level)] = {k: dict(v) for k, v in kinds.items() if k in TARGET_KINDS}
    return out


def split_targets(targets: Mapping[str, Mapping]) -> tuple[dict, dict]:
    """``(response, resolution)`` flat targets ``{level: target}`` from either form: flat (each value has a
    ``clock``: response targets only, as :data:`DEFAULT_TARGETS`) or nested (``{level: {"response": …,
    "resolution": …}}``)."""
    response, resolution = {}, {}
    for level, t in targets.items():
        if "clock" in t or "hours" in t or "days" in t:
            response[level] = t
            continue
        if "response" in t:
            response[level] = t["response"]
        if "resolution" in t:
            resolution[level] = t["resolution"]
    return response, resolution


@dataclass(frozen=True)
class SlaSettings:
    """The SLA targets and business calendar a report uses (:func:`targets_from_manifest`)."""

    targets: dict                      # nested: {level: {"response": …, "resolution": …}}
    day_start: float = 9
    day_end: float = 18
    holidays: tuple = ()
    declared: bool = False             # sources.yml declared targets or business hours

    @property
    def clock(self) -> dict:
        """The keyword arguments of the clock functions."""
        return {"holidays": self.holidays, "day_start": self.day_start, "day_end": self.day_end}


def targets_from_manifest(manifest: Mapping | None) -> SlaSettings:
    """The targets in force for processed data: the built-in ones with what the clean recorded from
    ``options.sla_targets`` / ``options.business_hours`` (``manifest["sla"]``) on top."""
    sla = (manifest or {}).get("sla") or {}
    hours = sla.get("business_hours") or {}
    return SlaSettings(targets=level_targets(sla.get("targets")), day_start=float(hours.get("start", 9)),
                       day_end=float(hours.get("end", 18)), holidays=tuple(hours.get("holidays", ())),
                       declared=bool(sla))


def untargeted_levels(levels: pd.Series, targets: Mapping[str, Mapping], kind: str = "response") -> pd.Series:
    """Tickets per service level that has no ``kind`` target (``response``, ``resolution``, or ``any``: no
    target at all), most first; missing levels left out."""
    response, resolution = split_targets(targets)
    have = {"response": response, "resolution": resolution}.get(kind, {**response, **resolution})
    s = levels.astype("string")
    s = s[s.notna() & ~s.isin(list(have))]
    counts = s.value_counts()
    counts = counts.rename_axis("service_level").rename("dispatches")
    return counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")


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


def _add_business_hours(received: np.ndarray, hours: float, cal, day_start: float, day_end: float) -> np.ndarray:
    """``hours`` business hours after ``received`` (each inside business hours, see :func:`received_at`):
    a deadline that uses up a whole day falls at its close, not at the next opening."""
    length = float(day_end - day_start)
    day, hour, nat = _split(received)
    total = np.nan_to_num(hour - day_start) + float(hours)
    whole = np.floor(total / length + 1e-12)
    rest = total - whole * length
    at_close = (rest <= 1e-9) & (whole > 0)
    whole = np.where(at_close, whole - 1, whole)
    rest = np.where(at_close, length, rest)
    due_day = np.busday_offset(day, whole.astype(int), roll="forward", busdaycal=cal)
    seconds = np.round((day_start + rest) * 3600).astype("int64")
    due = due_day.astype("datetime64[ns]") + seconds.astype("timedelta64[s]")
    return np.where(nat, np.datetime64("NaT"), due).astype("datetime64[ns]")


def deadline(reported_at, service_level, targets: Mapping[str, Mapping], *, holidays: Iterable = (),
             day_start: float = 9, day_end: float = 18, name: str = "deadline") -> pd.Series:
    """The deadline of each ticket under flat ``targets`` (``{level: target}``), element-wise.

    A target is ``{"clock": "wall", "hours": h}`` (the report time plus ``h`` wall-clock hours),
    ``{"clock": "business", "days": n}`` (``day_end`` o'clock of the ``n``-th business day after the day
    the call is received, see :func:`received_at`) or ``{"clock": "business", "hours": h}`` (``h``
    business hours after the call is received: 4 business hours from Friday 16:00 is Monday 11:00
    with 09:00–18:00). NaT for a level without a target, or a missing report time.
    """
    r = _as_series(reported_at)
    level = (service_level if isinstance(service_level, pd.Series)
             else pd.Series(np.broadcast_to(np.asarray(service_level, dtype=object), len(r)), index=r.index))
    level = level.reindex(r.index) if not level.index.equals(r.index) else level
    cal = _calendar(holidays)
    out = np.full(len(r), np.datetime64("NaT"), dtype="datetime64[ns]")
    rv = r.to_numpy()
    rec = None
    for level_name, target in targets.items():
        # fillna: Arrow-backed text compares to NA where the level is missing
        mask = (level == level_name).fillna(False).to_numpy(dtype=bool) & ~np.isnat(rv)
        if not mask.any():
            continue
        clock = target.get("clock", "wall")
        if clock == "wall":
            hours = float(target["hours"]) if "hours" in target else 24.0 * float(target["days"])
            out[mask] = rv[mask] + np.timedelta64(int(round(hours * 3600)), "s")
        elif clock == "business":
            if rec is None:
                rec = received_at(r, holidays=holidays, day_start=day_start, day_end=day_end).to_numpy()
            if "hours" in target:
                out[mask] = _add_business_hours(rec[mask], float(target["hours"]), cal, day_start, day_end)
            else:
                rday = rec[mask].astype("datetime64[D]")
                due = np.busday_offset(rday, int(target.get("days", 1)), roll="forward", busdaycal=cal)
                out[mask] = due.astype("datetime64[ns]") + np.timedelta64(int(round(day_end * 3600)), "s")
        else:
            raise ValueError(f"service level {level_name!r}: clock must be 'business' or 'wall', got {clock!r}")
    return pd.Series(out, index=r.index, name=name)


def response_deadline(reported_at, service_level, *, holidays: Iterable = (),
                      targets: Mapping[str, Mapping] = DEFAULT_TARGETS, day_start: float = 9,
                      day_end: float = 18) -> pd.Series:
    """The time by which an engineer must be on site, element-wise (``datetime64[ns]``).

    ``5x9`` (``clock="business"``): ``day_end`` o'clock of the ``days``-th business day after the
    day the call is received (see :func:`received_at`). ``7x24x8``/``7x24x4`` (``clock="wall"``):
    the report time plus ``hours`` wall-clock hours. ``targets`` flat or nested (:func:`split_targets`);
    see :func:`deadline` for the clocks. NaT for a level without a response target or a missing
    report time.
    """
    response, _ = split_targets(targets)
    return deadline(reported_at, service_level, response, holidays=holidays, day_start=day_start,
                    day_end=day_end, name="response_deadline")


# --------------------------------------------------------------------------- flags
_PASS_THROUGH = ["ticket_id", "customer_id", "customer_name", "engineer", "service_level", "machine_type",
                 "symptom_code", "tier", "made_sla", "reported_at", "arrived_at", "closed_at"]


def _clock_hours(level: pd.Series, start: pd.Series, end: pd.Series, flat: Mapping, clock: dict) -> np.ndarray:
    """start → end in each level's own clock: business hours for a ``business`` target, else wall hours."""
    wall = (end - start) / pd.Timedelta(hours=1)
    business_levels = [k for k, t in flat.items() if t.get("clock") == "business"]
    if not business_levels:
        return wall.to_numpy(dtype=float)
    business = business_hours_between(start, end, **clock)
    return np.where(level.isin(business_levels).fillna(False).to_numpy(dtype=bool), business, wall).astype(float)


def _outcome(event: pd.Series, due: pd.Series, *, as_of, recorded: bool, pending: pd.Series):
    """``(breached, lateness_hours)`` of one target: decided where the event (arrival, closure) is known,
    True past the deadline; without the event, a breach only when the export records such events, the
    ticket is still ``pending`` at ``as_of`` and ``as_of`` is past the deadline; else NA (unknown)."""
    has_deadline = due.notna()
    happened = event.notna() & has_deadline
    late_event = ((event - due) / pd.Timedelta(hours=1)).clip(lower=0)
    if as_of is not None and recorded:
        overdue = event.isna() & has_deadline & pending & (due < as_of)
        late_open = (as_of - due) / pd.Timedelta(hours=1)
    else:
        overdue = pd.Series(False, index=event.index)
        late_open = pd.Series(np.nan, index=event.index)
    breached = pd.array(np.where(happened, (event > due).to_numpy(), overdue.to_numpy()), dtype="boolean")
    breached[~(happened | overdue).to_numpy()] = pd.NA
    lateness = np.where(happened, late_event, np.where(overdue, late_open, np.nan))
    return breached, lateness


def sla_flags(dispatches: pd.DataFrame, *, as_of=None, holidays: Iterable = (),
              targets: Mapping[str, Mapping] = DEFAULT_TARGETS, day_start: float = 9,
              day_end: float = 18, records_arrivals: bool | None = None,
              records_closures: bool | None = None) -> pd.DataFrame:
    """Per-ticket service-level outcome (one row per dispatch, same index).

    ``targets``: flat response targets (:data:`DEFAULT_TARGETS`) or nested response and resolution
    targets per level (:func:`level_targets`). Columns (besides identifying columns passed through:
    ticket_id, customer_id, engineer, service_level, tier, made_sla when present, reported_at,
    arrived_at, closed_at):

    - ``month``: report month, ``YYYY-MM``.
    - ``response_deadline``: see :func:`response_deadline` (NaT: the level has no response target).
    - ``response_hours``: report → arrival in the level's own clock (business hours for a
      ``business`` target, wall-clock hours otherwise); NaN when not arrived.
    - ``breached`` (nullable boolean, the **response** outcome): True when the engineer arrived after
      the deadline, False when on time. A ticket **without an arrival** is NA (unknown), never a breach,
      when it was closed by ``as_of`` (it may have been fixed remotely, or the export does not say),
      when the export records no arrivals at all (``records_arrivals`` False; None: inferred, true when
      any row of ``dispatches`` has an ``arrived_at``), or when ``as_of`` is None or not past the deadline.
      Decision: a ticket **still open** at ``as_of``, with no arrival although the export records
      arrivals, and past its deadline, is a breach: whatever happens next, nobody was on site in time.
      An arrival after ``as_of`` is not known yet. NA too for a level without a response target.
    - ``lateness_hours``: wall-clock hours past the response deadline, ≥ 0 (0 when on time; for an open
      breached ticket, hours from deadline to ``as_of``); NaN when undecided.
    - ``resolution_deadline``, ``resolution_hours`` (report → close), ``resolution_breached`` and
      ``resolution_lateness_hours``: the same for the **resolution** target against ``closed_at``; an
      open ticket past its resolution deadline is a breach when the export records closures
      (``records_closures``, inferred likewise), unknown otherwise.
    - ``sla_breached``: Aftercare's verdict on the whole ticket, to compare with an export's own flag
      (``made_sla``): True when either target is breached, False when neither is and at least one is
      decided, NA when nothing is decided.

    Uses no cross-row state (``as_of`` is a parameter) except the inference of ``records_arrivals`` /
    ``records_closures``: pass them when running per partition.
    """
    d = dispatches
    out = pd.DataFrame(index=d.index)
    for col in _PASS_THROUGH:
        if col in d:
            out[col] = d[col]
    nat = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns]")
    reported = _as_series(d["reported_at"])
    arrived = _as_series(d["arrived_at"]) if "arrived_at" in d else nat
    closed = _as_series(d["closed_at"]) if "closed_at" in d else nat
    if records_arrivals is None:
        records_arrivals = bool(arrived.notna().any())
    if records_closures is None:
        records_closures = bool(closed.notna().any())
    level = d["service_level"] if "service_level" in d else pd.Series(None, index=d.index, dtype=object)
    as_of = pd.Timestamp(as_of) if as_of is not None else None
    if as_of is not None:
        arrived = arrived.where(arrived <= as_of)       # an arrival after as_of is not known yet
        closed = closed.where(closed <= as_of)
    clock = {"holidays": holidays, "day_start": day_start, "day_end": day_end}
    response, resolution = split_targets(targets)
    out["month"] = month_labels(reported)

    due = deadline(reported, level, response, name="response_deadline", **clock)
    out["response_deadline"] = due
    out["response_hours"] = _clock_hours(level, reported, arrived, response, clock)
    out["breached"], out["lateness_hours"] = _outcome(arrived, due, as_of=as_of, recorded=records_arrivals,
                                                      pending=closed.isna())

    due = deadline(reported, level, resolution, name="resolution_deadline", **clock)
    out["resolution_deadline"] = due
    out["resolution_hours"] = _clock_hours(level, reported, closed, resolution, clock)
    out["resolution_breached"], out["resolution_lateness_hours"] = _outcome(
        closed, due, as_of=as_of, recorded=records_closures, pending=pd.Series(True, index=d.index))

    a, b = out["breached"], out["resolution_breached"]
    either = (a.fillna(False) | b.fillna(False)).to_numpy(dtype=bool)
    decided = (a.notna() | b.notna()).to_numpy(dtype=bool)
    verdict = pd.array(either, dtype="boolean")
    verdict[~either & ~decided] = pd.NA
    out["sla_breached"] = verdict
    return out


# --------------------------------------------------------------------------- the export's own flag
#: The rows of :func:`sla_agreement`, in order.
AGREEMENT_OUTCOMES = ("both_met", "both_breached", "export_only_breach", "aftercare_only_breach", "undecided")


def sla_agreement(flags: pd.DataFrame, *, export: str = "made_sla", own: str = "sla_breached",
                  confidence: float = 0.95) -> pd.DataFrame:
    """How an export's own SLA flag (``made_sla``: True = met) agrees with Aftercare's verdict
    (``sla_breached`` of :func:`sla_flags`: True = breached).

    One row per outcome of :data:`AGREEMENT_OUTCOMES`: ``both_met``, ``both_breached``,
    ``export_only_breach`` (the export says breached, Aftercare met), ``aftercare_only_breach`` and
    ``undecided`` (either side missing), with ``dispatches`` and ``share`` (of all tickets). The frame's
    ``attrs`` hold ``decided`` (tickets both sides decide), ``agreeing``, ``agreement`` (agreeing /
    decided, NaN when none) and its Wilson interval ``ci_low`` / ``ci_high``.
    """
    n = len(flags)
    made = (flags[export] if export in flags else pd.Series(pd.NA, index=flags.index)).astype("boolean")
    ours = (flags[own] if own in flags else pd.Series(pd.NA, index=flags.index)).astype("boolean")
    decided = (made.notna() & ours.notna()).to_numpy(dtype=bool)
    met, breached = made.fillna(False).to_numpy(dtype=bool), ours.fillna(False).to_numpy(dtype=bool)
    counts = {"both_met": int((decided & met & ~breached).sum()),
              "both_breached": int((decided & ~met & breached).sum()),
              "export_only_breach": int((decided & ~met & ~breached).sum()),
              "aftercare_only_breach": int((decided & met & breached).sum()),
              "undecided": int((~decided).sum())}
    out = pd.DataFrame({"outcome": list(AGREEMENT_OUTCOMES), "dispatches": [counts[k] for k in AGREEMENT_OUTCOMES]})
    out["share"] = out["dispatches"] / n if n else np.nan
    agreeing, total = counts["both_met"] + counts["both_breached"], int(decided.sum())
    low, high = wilson_interval(pd.Series([agreeing]), pd.Series([total]), confidence)
    out.attrs.update(decided=total, agreeing=agreeing, agreement=agreeing / total if total else float("nan"),
                     ci_low=float(np.asarray(low)[0]), ci_high=float(np.asarray(high)[0]))
    return out


# --------------------------------------------------------------------------- compliance
def sla_compliance(flags: pd.DataFrame, by: str | Sequence[str] = "service_level", confidence: float = 0.95,
                   *, customers: pd.DataFrame | None = None, total: bool = False,
                   outcome: str = "breached") -> pd.DataFrame:
    """Breach rate per group with a Wilson score interval (``sla_compliance.csv``).

    ``flags`` is the output of :func:`sla_flags`. ``by`` is one or more columns of it, e.g.
    ``"service_level"`` (default), ``"month"``, ``"engineer"`` or ``"tier"`` (``tier`` is joined
    from ``customers`` on ``customer_id`` when given and not already present).

    Columns: the ``by`` columns, ``dispatches`` (tickets whose outcome is decided, i.e. ``breached``
    is not NA; undecided tickets are counted in ``undecided``), ``breaches``, ``breach_rate``
    (fraction 0–1), ``ci_low``, ``ci_high`` (Wilson, ``confidence``), ``undecided``. Tickets with no
    service level are left out when grouping by service level. ``total=True`` appends a row
    labelled ``"all"``. ``outcome``: the flag counted, ``breached`` (response, default),
    ``resolution_breached`` or ``sla_breached``.
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
    out = rate_table(f, by, outcome, count="dispatches", hits="breaches", rate="breach_rate",
                      confidence=confidence)
    und = f[f[outcome].isna()].groupby(by, dropna=False, observed=True).size().rename("undecided").reset_index()
    for c in by:      # a group column that is all missing on one side comes back as floats
        if und[c].dtype != out[c].dtype:
            und[c], out[c] = und[c].astype(object), out[c].astype(object)
    out = out.merge(und, on=by, how="outer")
    if total:
        everything = f.assign(**dict.fromkeys(by, "all"))
        tot = rate_table(everything, by, outcome, count="dispatches", hits="breaches",
                          rate="breach_rate", confidence=confidence)
        tot["undecided"] = int(f[outcome].isna().sum())
        out = pd.concat([out, tot], ignore_index=True)
    for c in ("dispatches", "breaches", "undecided"):
        out[c] = out[c].fillna(0).astype("int64")
    return out[[*by, "dispatches", "breaches", "breach_rate", "ci_low", "ci_high", "undecided"]]
