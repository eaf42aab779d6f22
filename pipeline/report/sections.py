"""Sections that run only when their needs are met, and the sentence that stands in for one that cannot.

A chapter module marks each section's compute function with :func:`computes` and its show function
with :func:`shows`, naming the section's key in :mod:`pipeline.contract.sections`. When the data does
not meet the section's needs, the compute function is not called and returns :class:`Unavailable`;
the show function then writes, instead of the section, its heading and one paragraph saying what is
missing and how to supply it. A section computed from another section's result is unavailable when
that one is. When the chapter's own needs are not met, its first section writes a short page saying
so and the others write nothing. Nothing else in a chapter checks for missing data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from pipeline.analyses.coverage import Unmet
from pipeline.contract import INPUT_TABLES
from pipeline.contract.sections import CHAPTERS, SECTIONS, Section
from pipeline.report import reportkit as rk


@dataclass
class Unavailable:
    """Stands in for a section's result when the data does not meet its needs."""

    section: Section
    unmet: list[Unmet]

    def __bool__(self) -> bool:
        return False


def _chapter_of(args):
    from pipeline.report.chapter import Chapter

    for a in args:
        if isinstance(a, Chapter):
            return a
        found = getattr(a, "chapter", None)
        if isinstance(found, Chapter):
            return found
    raise TypeError("a section function needs the Chapter (or a scope holding it) among its arguments")


def computes(key: str):
    """Mark ``fn`` as the compute function of section ``key``: it runs only when the section's needs
    are met (and every section result it is given is available); otherwise it returns
    :class:`Unavailable`."""
    section = SECTIONS[key]

    def decorate(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            for a in (*args, *kwargs.values()):
                if isinstance(a, Unavailable):
                    return Unavailable(section, a.unmet)
            missing = _chapter_of(args).unmet(key)
            return Unavailable(section, missing) if missing else fn(*args, **kwargs)
        run.section = section
        return run
    return decorate


def shows(key: str):
    """Mark ``fn(ch, ...)`` as the show function of section ``key``: given an :class:`Unavailable`
    (or when the section's needs are not met), it explains instead of showing."""
    section = SECTIONS[key]

    def decorate(fn):
        @functools.wraps(fn)
        def run(ch, *args, **kwargs):
            gone = next((a for a in (*args, *kwargs.values()) if isinstance(a, Unavailable)), None)
            missing = gone.unmet if gone is not None else ch.unmet(key)
            if missing:
                explain(ch, section, missing)
                return None
            return fn(ch, *args, **kwargs)
        run.section = section
        return run
    return decorate


def explain(ch, section: Section, missing: list[Unmet]) -> None:
    """Write what stands in for ``section``: the chapter's short page (once), or the section's heading
    and one paragraph, or nothing for a silent section."""
    chapter = CHAPTERS[section.chapter]
    chapter_missing = [u for u in missing if u.need in chapter.needs]
    if chapter_missing:
        if chapter.key not in ch.explained:
            ch.explained.add(chapter.key)
            rk.chapter(ch.t(chapter.title))
            rk.paragraph(ch.t("needs.chapter", reasons=ch.sentences(reason(ch, u) for u in chapter_missing)))
        return
    if section.silent:
        return
    if section.title is not None:
        rk.section(ch.t(section.title))
    rk.paragraph(ch.sentences(reason(ch, u) for u in missing))


def section_name(ch, section: Section) -> str:
    return ch.t(section.title) if section.title is not None else ch.t(f"section.{section.key}")


def _span(ch, when: str) -> str:
    period = ch.period
    return {"period": ch.t("needs.span_period", period=period.title(ch.lang)),
            "previous": ch.t("needs.span_previous", period=period.previous().title(ch.lang)),
            "history": ch.t("needs.span_history", end=period.end.date().isoformat()),
            "any": ch.t("needs.span_any")}[when]


def _mapped_from(table: str, column: str) -> str:
    """The raw column a user maps in sources.yml for a processed column."""
    declared = INPUT_TABLES[table].column(column) if table in INPUT_TABLES else None
    return declared.derived_from[0] if declared is not None and declared.derived_from else column


def reason(ch, u: Unmet) -> str:
    """One sentence: what the data lacks for the need, and how to supply it."""
    need, t = u.need, ch.t
    table = t(f"table.{need.table}")
    if u.first is None and need.kind in ("rows", "values", "largest_group", "months", "customers",
                                         "decided_contracts") and \
            not len(ch.data.get(need.table, ())):
        return t("needs.table_absent", table=table, name=need.table)
    covers = t("needs.covers", first=u.first.date().isoformat(), last=u.last.date().isoformat()) if u.first else ""
    if need.kind == "rows":
        return t("needs.rows", table=table, span=_span(ch, need.when), covers=covers)
    if need.kind == "largest_group" and ch.count_values(need.table, _mapped_from(need.table, need.column), need.when):
        return t("needs.largest_group", table=table, column=_mapped_from(need.table, need.column), n=need.at_least,
                 have=u.have, span=_span(ch, need.when))
    if need.kind in ("values", "largest_group"):
        raw = _mapped_from(need.table, need.column)
        if raw != need.column and ch.count_values(need.table, raw, need.when):
            return t("needs.coded", table=table, column=raw, n=need.at_least, have=u.have, span=_span(ch, need.when))
        return t("needs.column", table=table, column=raw, span=_span(ch, need.when))
    if need.kind == "targets":
        return targets_reason(ch, need.column, _rows_in_span(ch, need))
    return t(f"needs.{need.kind}", n=need.at_least, have=u.have, span=_span(ch, need.when), covers=covers)


def _rows_in_span(ch, need) -> pd.DataFrame:
    from pipeline.analyses.coverage import rows_in

    frame = ch.data.get(need.table)
    return rows_in(frame if frame is not None else pd.DataFrame(), need.table, need.when, ch.period)


def level_list(ch, counts: pd.Series, top: int = 8) -> str:
    """Service levels with their dispatches, ``"`3 - Moderate` (4,012), `1 - Critical` (120)"``."""
    shown = [f"`{level}` ({ch.num(n)})" for level, n in counts.head(top).items()]
    if len(counts) > top:
        shown.append("…")
    return ("、" if ch.lang.startswith("zh") else ", ").join(shown)


def targets_reason(ch, kind: str, dispatches: pd.DataFrame) -> str:
    """Which levels of ``dispatches`` have no ``kind`` target, and how to declare one."""
    from pipeline.analyses.service.sla import untargeted_levels

    levels = untargeted_levels(dispatches["service_level"] if "service_level" in dispatches else pd.Series(
        dtype=object), ch.sla.targets, kind)
    if levels.empty:
        return ch.t("needs.targets_no_levels")
    return ch.t(f"needs.targets_{kind}", levels=level_list(ch, levels), example=str(levels.index[0]))
