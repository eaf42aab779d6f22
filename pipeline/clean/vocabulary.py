"""Values of the vocabulary columns (service levels, customer tiers) read as the export writes them, and
the service-level targets a source declares.

A value is read as a built-in one when a rule recognises its spelling (``7*24*4`` → ``7x24x4``, ``大客戶``
→ ``large``) or sources.yml maps it (``options.service_levels`` / ``options.tiers``); a mapping to a name
outside the vocabulary declares that name. Anything else is **kept as written** (trimmed, white space
made single), never dropped: chapter 1 counts such values, and the SLA analysis reads a level only
through the targets declared for it (``options.sla_targets``).

Everything works on the distinct values of a column, so a million rows cost a few dozen lookups.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from pipeline.clean.columns import categorical_from_values, distinct_text
from pipeline.clean.customers import normalise_tier
from pipeline.clean.parse import normalise_service_level
from pipeline.errors import InputError
from pipeline.runtime.text import normalise_text

__all__ = ["read_levels", "read_tiers", "read_values", "read_sla_targets", "read_business_hours",
           "declared_sla", "CLOCKS", "TARGET_KINDS"]

CLOCKS = ("wall", "business")
TARGET_KINDS = ("response", "resolution")


def canonical_levels(values: pd.Series) -> pd.Series:
    return normalise_service_level(values)[0]


def canonical_tiers(values: pd.Series) -> pd.Series:
    return normalise_tier(values)


def read_values(written, canonical, mapping: Mapping | None = None) -> np.ndarray:
    """Distinct written values (normalised text, ``""`` for empty) → the processed values: mapped by
    ``mapping`` (keys matched as written, then ignoring case), then read by ``canonical`` (a Series of
    texts → the built-in value or None); what neither knows is kept as written. Empty → None."""
    written = [normalise_text(str(v)) if v is not None else "" for v in written]
    declared = {normalise_text(str(k)): normalise_text(str(v)) for k, v in (mapping or {}).items()}
    folded = {k.casefold(): v for k, v in declared.items()}
    mapped = [declared.get(w, folded.get(w.casefold(), w)) for w in written]
    known = canonical(pd.Series(mapped, dtype=object)).to_numpy(dtype=object)
    return np.array([None if m == "" else (k if isinstance(k, str) and k else m) for m, k in zip(mapped, known)],
                    dtype=object)


def _read_column(frame: pd.DataFrame, column: str, canonical, mapping, categorical: bool) -> pd.Series:
    codes, distinct = distinct_text(frame, column)
    values = read_values(distinct, canonical, mapping)
    if categorical:
        return categorical_from_values(codes, values, frame.index)
    return pd.Series(values[codes] if len(codes) else values[:0], index=frame.index, dtype=object)


def read_levels(frame: pd.DataFrame, mapping: Mapping | None = None, *, categorical: bool = True) -> pd.Series:
    """The ``service_level`` column of a raw frame as processed values (see :func:`read_values`)."""
    _check_mapping(mapping, "service_levels")
    return _read_column(frame, "service_level", canonical_levels, mapping, categorical)


def read_tiers(frame: pd.DataFrame, mapping: Mapping | None = None, *, categorical: bool = False) -> pd.Series:
    """The ``tier`` column of a raw frame as processed values (see :func:`read_values`)."""
    _check_mapping(mapping, "tiers")
    return _read_column(frame, "tier", canonical_tiers, mapping, categorical)


def _check_mapping(mapping, option: str) -> None:
    if mapping is None:
        return
    if not isinstance(mapping, Mapping) or any(v is None or str(v).strip() == "" for v in mapping.values()):
        raise InputError(f"options.{option} must map each written value to a name, e.g. "
                         + ('{"Value 2": 7x24x4}' if option == "service_levels" else "{Corporate: large}"))


# --------------------------------------------------------------------------- SLA targets
def _number(value, where: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"options.sla_targets: {where} must be a number, not {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise InputError(f"options.sla_targets: {where} must be a positive number, not {value!r}")
    return x


def _target(level: str, kind: str, spec) -> dict:
    where = f"{level!r} {kind}"
    if not isinstance(spec, Mapping):
        raise InputError(f"options.sla_targets: {where} must be {{clock: wall|business, hours: N}} or "
                         f"{{clock: business, days: N}}, not {spec!r}")
    unknown = set(spec) - {"clock", "hours", "days"}
    if unknown:
        raise InputError(f"options.sla_targets: {where} has unknown keys {sorted(unknown)}; use clock and hours "
                         f"or days")
    clock = str(spec.get("clock", "wall"))
    if clock not in CLOCKS:
        raise InputError(f"options.sla_targets: {where}: clock must be wall or business, not {clock!r}")
    if ("hours" in spec) == ("days" in spec):
        raise InputError(f"options.sla_targets: {where} needs exactly one of hours or days")
    if "days" in spec:
        days = _number(spec["days"], f"{where} days")
        if clock == "business":
            if days != int(days):
                raise InputError(f"options.sla_targets: {where}: business days must be whole, not {days:g}")
            return {"clock": "business", "days": int(days)}
        return {"clock": "wall", "hours": days * 24}
    return {"clock": clock, "hours": _number(spec["hours"], f"{where} hours")}


def read_sla_targets(option) -> dict:
    """``options.sla_targets`` as ``{level: {"response": target, "resolution": target}}`` (either kind may
    be absent), each target ``{"clock": "wall", "hours": h}``, ``{"clock": "business", "hours": h}`` or
    ``{"clock": "business", "days": n}``. The level names are read as the column is (``7*24*4`` is
    ``7x24x4``; other names trimmed). A wrong shape is one :class:`InputError`."""
    if option is None:
        return {}
    if not isinstance(option, Mapping) or not option:
        raise InputError('options.sla_targets must map levels to targets, e.g. {"1 - Critical": {response: '
                         '{clock: wall, hours: 1}, resolution: {clock: wall, hours: 4}}}')
    names = read_values(list(option), canonical_levels)
    out: dict = {}
    for (written, spec), name in zip(option.items(), names):
        if name is None:
            raise InputError("options.sla_targets: a level name is empty")
        if not isinstance(spec, Mapping) or not spec or set(spec) - set(TARGET_KINDS):
            raise InputError(f"options.sla_targets: {written!r} must give response and/or resolution, e.g. "
                             f"{{response: {{clock: wall, hours: 4}}}}, not {spec!r}")
        out[str(name)] = {kind: _target(str(name), kind, spec[kind]) for kind in TARGET_KINDS if kind in spec}
    return out


def read_business_hours(option) -> dict:
    """``options.business_hours`` as ``{"start": h, "end": h, "holidays": [ISO dates]}`` (empty: none given)."""
    if option is None:
        return {}
    if not isinstance(option, Mapping) or set(option) - {"start", "end", "holidays"}:
        raise InputError("options.business_hours must be {start: 9, end: 18, holidays: [2016-03-25, …]}")

    def hour(v, name):
        if isinstance(v, str) and ":" in v:
            h, _, m = v.partition(":")
            v = int(h) + int(m) / 60
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise InputError(f"options.business_hours: {name} must be an hour (9 or \"09:00\"), not {v!r}") from None
        if not 0 <= x <= 24:
            raise InputError(f"options.business_hours: {name} must be between 0 and 24, not {v!r}")
        return x
    start, end = hour(option.get("start", 9), "start"), hour(option.get("end", 18), "end")
    if end <= start:
        raise InputError("options.business_hours: end must be after start")
    holidays = option.get("holidays") or []
    if not isinstance(holidays, (list, tuple)):
        holidays = [holidays]
    days = []
    for h in holidays:
        try:
            days.append(pd.Timestamp(h).date().isoformat())
        except (TypeError, ValueError):
            raise InputError(f"options.business_hours: holiday {h!r} is not a date") from None
    return {"start": start, "end": end, "holidays": sorted(set(days))}


def declared_sla(sources) -> dict:
    """What the dispatch sources declare about service levels, for the manifest: ``{"sla": {"targets": …,
    "business_hours": …}}``, or ``{}`` when none declares anything (the built-in targets apply). Two
    sources declaring different targets for one level, or different business hours, are an error."""
    targets: dict = {}
    hours: dict = {}
    origin: dict = {}
    for source in sources:
        if source.table != "dispatches":
            continue
        try:
            declared = read_sla_targets(source.options.get("sla_targets"))
            clock = read_business_hours(source.options.get("business_hours"))
        except InputError as error:
            raise InputError(error.detail, file=getattr(source, "path", None)) from None
        for level, target in declared.items():
            if level in targets and targets[level] != target:
                raise InputError(f"options.sla_targets: level {level!r} has other targets in {origin[level]}",
                                 file=getattr(source, "path", None))
            targets[level], origin[level] = target, source.name
        if clock:
            if hours and hours != clock:
                raise InputError(f"options.business_hours differs from {origin['business_hours']}",
                                 file=getattr(source, "path", None))
            hours, origin["business_hours"] = clock, source.name
    if not targets and not hours:
        return {}
    return {"sla": {"targets": {k: targets[k] for k in sorted(targets)}, "business_hours": hours}}
