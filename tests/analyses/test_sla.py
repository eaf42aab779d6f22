"""Service-level clocks on hand-worked cases. July 2024: Mon 1, Fri 5, Sat 6, Sun 7, Mon 8, Tue 9."""

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses.service.sla import (
    DEFAULT_TARGETS,
    business_hours_between,
    received_at,
    response_deadline,
    sla_compliance,
    sla_flags,
    wilson_interval,
)

T = pd.Timestamp


def deadline(when, level, **kw):
    return response_deadline(pd.Series([T(when)]), pd.Series([level]), **kw).iloc[0]


# --------------------------------------------------------------------------- 5x9 deadline
@pytest.mark.parametrize("reported, due", [
    ("2024-07-01 10:00", "2024-07-02 18:00"),   # Monday in hours -> Tuesday 18:00
    ("2024-07-05 17:55", "2024-07-08 18:00"),   # Friday 17:55 -> Monday 18:00 (across the weekend)
    ("2024-07-05 18:30", "2024-07-09 18:00"),   # Friday 18:30 -> received Mon 09:00 -> Tuesday 18:00
    ("2024-07-05 18:00", "2024-07-09 18:00"),   # 18:00 sharp is after closing
    ("2024-07-05 09:00", "2024-07-08 18:00"),   # 09:00 sharp is inside
    ("2024-07-06 11:00", "2024-07-09 18:00"),   # Saturday -> received Mon 09:00 -> Tuesday 18:00
    ("2024-07-07 23:59", "2024-07-09 18:00"),   # Sunday night, same
    ("2024-07-09 00:00", "2024-07-10 18:00"),   # midnight Tue -> received Tue 09:00 -> Wed 18:00
    ("2024-07-08 07:30", "2024-07-09 18:00"),   # before opening Mon -> received Mon 09:00
])
def test_5x9_deadline(reported, due):
    assert deadline(reported, "5x9") == T(due)


def test_5x9_deadline_across_holidays():
    hol = ["2024-07-08"]   # Monday holiday
    assert deadline("2024-07-05 17:55", "5x9", holidays=hol) == T("2024-07-09 18:00")
    assert deadline("2024-07-05 18:30", "5x9", holidays=hol) == T("2024-07-10 18:00")
    # a call on the holiday itself is received the next business day
    assert deadline("2024-07-08 10:00", "5x9", holidays=hol) == T("2024-07-10 18:00")
    # two-day holiday right after the receipt day (1 Oct-style)
    assert deadline("2024-09-30 10:00", "5x9", holidays=["2024-10-01", "2024-10-02"]) == T("2024-10-03 18:00")


def test_received_at():
    r = received_at(pd.Series([T("2024-07-05 17:55"), T("2024-07-05 18:30"), T("2024-07-06 12:00"), pd.NaT]))
    assert list(r.iloc[:3]) == [T("2024-07-05 17:55"), T("2024-07-08 09:00"), T("2024-07-08 09:00")]
    assert pd.isna(r.iloc[3])


def test_wall_clock_levels():
    rep = pd.Series([T("2024-07-05 18:30"), T("2024-07-06 22:00"), T("2024-07-06 22:00"), T("2024-07-01 10:00"),
                     T("2024-07-01 10:00")])
    lvl = pd.Series(["7x24x4", "7x24x4", "7x24x8", None, "gold"])
    due = response_deadline(rep, lvl)
    assert due.iloc[0] == T("2024-07-05 22:30")
    assert due.iloc[1] == T("2024-07-07 02:00")   # across midnight, weekend irrelevant
    assert due.iloc[2] == T("2024-07-07 06:00")
    assert due.iloc[3:].isna().all()               # unknown or missing level -> NaT


def test_targets_are_parameters():
    targets = {**DEFAULT_TARGETS, "7x24x4": {"clock": "wall", "hours": 2},
               "5x9": {"clock": "business", "days": 2}}
    assert deadline("2024-07-05 18:30", "7x24x4", targets=targets) == T("2024-07-05 20:30")
    assert deadline("2024-07-05 17:55", "5x9", targets=targets) == T("2024-07-09 18:00")


# --------------------------------------------------------------------------- business hours
@pytest.mark.parametrize("start, end, hours", [
    ("2024-07-01 10:00", "2024-07-01 12:30", 2.5),
    ("2024-07-01 08:00", "2024-07-01 20:00", 9.0),     # clipped to 09:00-18:00
    ("2024-07-05 17:00", "2024-07-08 10:00", 2.0),     # across the weekend
    ("2024-07-06 10:00", "2024-07-07 15:00", 0.0),     # all weekend
    ("2024-07-01 00:00", "2024-07-08 00:00", 45.0),    # a whole week
    ("2024-07-05 18:30", "2024-07-09 18:00", 18.0),    # Mon + Tue
    ("2024-07-01 12:00", "2024-07-01 10:00", -2.0),    # signed
])
def test_business_hours_between(start, end, hours):
    assert business_hours_between(pd.Series([T(start)]), pd.Series([T(end)])).iloc[0] == pytest.approx(hours)


def test_business_hours_holiday_and_missing():
    s = pd.Series([T("2024-07-05 17:00"), T("2024-07-05 17:00"), pd.NaT])
    e = pd.Series([T("2024-07-09 10:00"), pd.NaT, T("2024-07-09 10:00")])
    out = business_hours_between(s, e, holidays=["2024-07-08"])
    assert out.iloc[0] == pytest.approx(2.0)          # Fri 1h + (Mon holiday) + Tue 1h
    assert out.iloc[1:].isna().all()
    # other working days
    out = business_hours_between(s.iloc[:1], e.iloc[:1], day_start=8, day_end=17)
    assert out.iloc[0] == 0 + 9 + 2                    # Fri 17:00 is closing; Mon 9h; Tue 08-10


# --------------------------------------------------------------------------- flags
def _dispatches():
    return pd.DataFrame({
        "ticket_id": ["a", "b", "c", "d", "e", "f", "g"],
        "customer_id": ["C1"] * 7,
        "engineer": ["X", "X", "Y", "Y", "Y", "X", "Y"],
        "service_level": ["5x9", "5x9", "7x24x4", "7x24x8", "7x24x4", None, "5x9"],
        "reported_at": [T("2024-07-05 17:55"), T("2024-07-05 18:30"), T("2024-07-06 22:00"),
                        T("2024-07-10 08:00"), T("2024-07-10 09:00"), T("2024-07-01 09:00"),
                        T("2024-07-09 12:00")],
        "arrived_at": [T("2024-07-08 17:00"), T("2024-07-09 19:00"), T("2024-07-07 01:00"),
                       pd.NaT, pd.NaT, T("2024-07-01 10:00"), T("2024-07-12 10:00")],
    })


def test_sla_flags():
    f = sla_flags(_dispatches(), as_of=T("2024-07-10 14:00")).set_index("ticket_id")
    # a: Fri 17:55 -> due Mon 18:00, arrived Mon 17:00: on time; 5 min Fri + 8h Mon = 8h05
    assert f.loc["a", "response_deadline"] == T("2024-07-08 18:00")
    assert f.loc["a", "breached"] == False  # noqa: E712
    assert f.loc["a", "response_hours"] == pytest.approx(8 + 5 / 60)
    assert f.loc["a", "lateness_hours"] == 0
    # b: due Tue 18:00, arrived Tue 19:00 -> breached by 1h; business hours Mon 9 + Tue 9 = 18
    assert f.loc["b", "breached"] == True  # noqa: E712
    assert f.loc["b", "lateness_hours"] == pytest.approx(1.0)
    assert f.loc["b", "response_hours"] == pytest.approx(18.0)
    # c: 7x24x4, Sat 22:00 -> due Sun 02:00, arrived 01:00 -> 3 wall hours, on time
    assert f.loc["c", "response_hours"] == pytest.approx(3.0)
    assert f.loc["c", "breached"] == False  # noqa: E712
    # d: 7x24x8 due 16:00, not arrived, as_of 14:00 -> undecided
    assert pd.isna(f.loc["d", "breached"]) and np.isnan(f.loc["d", "lateness_hours"])
    # e: 7x24x4 due 13:00, not arrived at 14:00 -> breached, 1 hour late so far
    assert f.loc["e", "breached"] == True  # noqa: E712
    assert f.loc["e", "lateness_hours"] == pytest.approx(1.0)
    # f: no service level -> undecided
    assert pd.isna(f.loc["f", "breached"])
    # g: arrival after as_of is not known yet; due Wed 18:00 > as_of -> undecided
    assert pd.isna(f.loc["g", "breached"])
    assert f["breached"].dtype == "boolean"
    assert f.loc["a", "month"] == "2024-07"


def test_sla_flags_without_as_of_leaves_open_tickets_undecided():
    f = sla_flags(_dispatches()).set_index("ticket_id")
    assert pd.isna(f.loc["e", "breached"])
    assert f.loc["g", "breached"] == True  # noqa: E712   (arrived Fri 10:00 > due Wed 18:00)


def test_sla_flags_is_row_partitionable():
    d = _dispatches()
    whole = sla_flags(d, as_of=T("2024-07-10 14:00"))
    parts = pd.concat([sla_flags(d.iloc[:3], as_of=T("2024-07-10 14:00")),
                       sla_flags(d.iloc[3:], as_of=T("2024-07-10 14:00"))])
    pd.testing.assert_frame_equal(whole, parts)


def test_sla_compliance():
    f = sla_flags(_dispatches(), as_of=T("2024-07-10 14:00"))
    c = sla_compliance(f).set_index("service_level")
    assert list(c.index) == ["5x9", "7x24x4", "7x24x8"]
    assert c.loc["5x9", ["dispatches", "breaches", "undecided"]].tolist() == [2, 1, 1]
    assert c.loc["7x24x4", ["dispatches", "breaches"]].tolist() == [2, 1]
    assert c.loc["7x24x8", ["dispatches", "undecided"]].tolist() == [0, 1]
    assert c.loc["5x9", "breach_rate"] == 0.5
    lo, hi = wilson_interval(1, 2)
    assert c.loc["5x9", "ci_low"] == pytest.approx(float(lo))
    assert np.isnan(c.loc["7x24x8", "breach_rate"])
    e = sla_compliance(f, by="engineer", total=True).set_index("engineer")
    assert e.loc["X", ["dispatches", "breaches"]].tolist() == [2, 1]      # a, b (f has no level)
    assert e.loc["Y", ["dispatches", "breaches"]].tolist() == [2, 1]      # c, e
    assert e.loc["all", ["dispatches", "breaches"]].tolist() == [4, 2]
    t = sla_compliance(f, by="tier", customers=pd.DataFrame({"customer_id": ["C1"], "tier": ["VIP"]}))
    assert t.iloc[0].tolist()[:3] == ["VIP", 4, 2]
    m = sla_compliance(f, by="month")
    assert m["month"].tolist() == ["2024-07"]


def test_wilson_known_values():
    # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (score)
    lo, hi = wilson_interval([81, 15, 0, 1], [263, 148, 20, 29])
    np.testing.assert_allclose(lo, [0.2553, 0.0624, 0.0, 0.0061], atol=5e-5)
    np.testing.assert_allclose(hi, [0.3662, 0.1605, 0.1611, 0.1718], atol=5e-5)
    lo, hi = wilson_interval(0, 0)
    assert np.isnan(lo) and np.isnan(hi)


def test_one_wilson_implementation():
    import pipeline.analyses.service.sla
    import pipeline.analyses.stats

    assert pipeline.analyses.service.sla.wilson_interval is pipeline.analyses.stats.wilson_interval
    lo, hi = pipeline.analyses.stats.wilson_interval(81, 263)
    assert isinstance(lo, float) and isinstance(hi, float)
    assert (lo, hi) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    lo, hi = pipeline.analyses.stats.wilson_interval(pd.Series([81, 0]), pd.Series([263, 0]))
    assert lo.shape == (2,) and np.isnan(hi[1])
    assert all(np.isnan(pipeline.analyses.stats.wilson_interval(1, 0)))


def test_sla_flags_take_arrow_backed_text_as_they_take_python_text(tmp_path):
    from pipeline.processed import read_processed_table

    d = pd.DataFrame({"ticket_id": ["D1", "D2", "D3", "D4"],
                      "service_level": ["5x9", "7x24x4", "5x9", None],
                      "reported_at": pd.to_datetime(["2009-01-09 17:55", "2009-01-09 10:00", "2009-01-10 11:00",
                                                     "2009-01-12 09:00"]),
                      "arrived_at": pd.to_datetime(["2009-01-12 17:00", "2009-01-09 15:00", None, None])})
    d.to_parquet(tmp_path / "d.parquet")
    arrow = read_processed_table(tmp_path / "d.parquet", text_columns="arrow", list_columns="arrow")
    assert isinstance(arrow["ticket_id"].dtype, pd.ArrowDtype)
    expected = sla_flags(d, as_of="2009-02-01")
    got = sla_flags(arrow, as_of="2009-02-01")
    for column in ("ticket_id", "service_level"):
        assert got[column].astype(object).where(got[column].notna(), None).tolist() == \
            expected[column].where(expected[column].notna(), None).tolist()
    pd.testing.assert_frame_equal(got.drop(columns=["ticket_id", "service_level"]),
                                  expected.drop(columns=["ticket_id", "service_level"]))
    # Friday 17:55 → due Monday 18:00, 1.0 business hour + Monday 08:00 of work = 9.0 h; on time
    assert got["response_hours"].iloc[0] == pytest.approx(8.0 + 1 / 12) and not got["breached"].iloc[0]
    assert bool(got["breached"].iloc[2])          # Saturday call, never arrived, overdue by February


# --------------------------------------------------------------------------- declared targets (issue 16)
from pipeline.analyses.service.sla import (  # noqa: E402
    deadline as level_deadline,
)
from pipeline.analyses.service.sla import (  # noqa: E402
    level_targets,
    sla_agreement,
    split_targets,
    targets_from_manifest,
    untargeted_levels,
)

TICKETS = {  # a ServiceNow-like declaration: response and resolution, each in its own clock
    "1 - Critical": {"response": {"clock": "wall", "hours": 1}, "resolution": {"clock": "wall", "hours": 4}},
    "2 - High": {"resolution": {"clock": "business", "hours": 4}},
    "3 - Moderate": {"resolution": {"clock": "business", "days": 3}},
}


def _due(when, level, targets, **kw):
    return level_deadline(pd.Series([T(when)]), pd.Series([level]), targets, **kw).iloc[0]


@pytest.mark.parametrize("reported, hours, due", [
    ("2024-07-05 16:00", 4, "2024-07-08 11:00"),    # Fri 16:00 + 2h Fri + 2h Mon
    ("2024-07-01 10:00", 4, "2024-07-01 14:00"),    # inside one day
    ("2024-07-01 14:00", 4, "2024-07-01 18:00"),    # using up the day: due at its close, not next opening
    ("2024-07-06 10:00", 4, "2024-07-08 13:00"),    # Saturday: received Mon 09:00
    ("2024-07-01 20:00", 9, "2024-07-02 18:00"),    # Mon evening: received Tue 09:00, one whole day
    ("2024-07-01 10:00", 13.5, "2024-07-02 14:30"),  # 8h Mon + 5.5h Tue
])
def test_business_hours_targets(reported, hours, due):
    targets = {"L": {"clock": "business", "hours": hours}}
    assert _due(reported, "L", targets) == T(due)


def test_business_hours_targets_skip_holidays_and_follow_the_declared_day():
    targets = {"L": {"clock": "business", "hours": 4}}
    # Fri 16:00 + 2h, Monday 8 July a holiday: Tue 11:00
    assert _due("2024-07-05 16:00", "L", targets, holidays=["2024-07-08"]) == T("2024-07-09 11:00")
    # 08:00-17:00: Fri 16:00 + 1h Fri + 3h Mon -> Mon 11:00
    assert _due("2024-07-05 16:00", "L", targets, day_start=8, day_end=17) == T("2024-07-08 11:00")


def test_business_days_and_wall_targets_of_declared_levels():
    response, resolution = split_targets(TICKETS)
    assert set(response) == {"1 - Critical"} and set(resolution) == set(TICKETS)
    # 3 business days from Fri 17:00: Mon, Tue, Wed -> Wed 18:00
    assert _due("2024-07-05 17:00", "3 - Moderate", resolution) == T("2024-07-10 18:00")
    assert _due("2024-07-05 17:00", "1 - Critical", resolution) == T("2024-07-05 21:00")
    assert _due("2024-07-05 17:00", "1 - Critical", response) == T("2024-07-05 18:00")
    assert pd.isna(_due("2024-07-05 17:00", "3 - Moderate", response))        # no response target
    assert pd.isna(_due("2024-07-05 17:00", "4 - Low", resolution))           # no target at all


def test_declared_targets_join_the_built_in_ones():
    merged = level_targets({"7x24x4": {"resolution": {"clock": "wall", "hours": 24}}, **TICKETS})
    assert merged["5x9"] == {"response": DEFAULT_TARGETS["5x9"]}
    assert merged["7x24x4"] == {"resolution": {"clock": "wall", "hours": 24}}      # replaced, not merged
    assert merged["1 - Critical"] == TICKETS["1 - Critical"]
    s = targets_from_manifest({"sla": {"targets": TICKETS, "business_hours": {"start": 8, "end": 17,
                                                                              "holidays": ["2024-07-08"]}}})
    assert (s.day_start, s.day_end, s.holidays, s.declared) == (8.0, 17.0, ("2024-07-08",), True)
    assert targets_from_manifest({}).targets == level_targets() and not targets_from_manifest({}).declared


def _tickets():
    return pd.DataFrame({
        "ticket_id": ["a", "b", "c", "d", "e", "f"],
        "service_level": ["1 - Critical", "1 - Critical", "1 - Critical", "3 - Moderate", "4 - Low", "1 - Critical"],
        "reported_at": [T("2024-07-01 10:00")] * 6,
        "arrived_at": [T("2024-07-01 10:30"), pd.NaT, pd.NaT, pd.NaT, pd.NaT, T("2024-07-01 12:00")],
        "closed_at": [T("2024-07-01 13:00"), T("2024-07-01 15:00"), pd.NaT, T("2024-07-03 12:00"),
                      T("2024-07-01 11:00"), T("2024-07-02 09:00")],
        "made_sla": pd.array([True, False, False, True, True, True], dtype="boolean"),
    })


def test_a_ticket_without_an_arrival_is_unknown_for_response_never_a_breach():
    as_of = T("2024-07-05")
    f = sla_flags(_tickets(), as_of=as_of, targets=level_targets(TICKETS)).set_index("ticket_id")
    assert f.loc["a", "breached"] == False  # noqa: E712            arrived 30 min after, target 1 h
    assert pd.isna(f.loc["b", "breached"])          # closed without an arrival: unknown, not late
    assert f.loc["c", "breached"] == True  # noqa: E712   open at as_of, nobody on site, past 11:00
    assert f.loc["c", "lateness_hours"] == pytest.approx((as_of - T("2024-07-01 11:00")) / pd.Timedelta(hours=1))
    assert pd.isna(f.loc["d", "breached"]) and pd.isna(f.loc["e", "breached"])     # no response target
    assert f.loc["f", "breached"] == True  # noqa: E712                        arrived 12:00 > 11:00
    # resolution: closed_at against the resolution deadline
    assert f.loc["a", "resolution_deadline"] == T("2024-07-01 14:00")
    assert f.loc["a", "resolution_breached"] == False  # noqa: E712
    assert f.loc["b", "resolution_breached"] == True  # noqa: E712         15:00 > 14:00
    assert f.loc["b", "resolution_lateness_hours"] == pytest.approx(1.0)
    assert f.loc["c", "resolution_breached"] == True  # noqa: E712     open past 14:00
    assert f.loc["d", "resolution_deadline"] == T("2024-07-04 18:00")
    assert f.loc["d", "resolution_breached"] == False  # noqa: E712
    assert f.loc["d", "resolution_hours"] == pytest.approx(8 + 9 + 3)          # business hours Mon 10 -> Wed 12
    assert pd.isna(f.loc["e", "resolution_breached"]) and pd.isna(f.loc["e", "sla_breached"])
    assert f["sla_breached"].tolist()[:4] == [False, True, True, False]
    assert f.loc["f", "sla_breached"] == True  # noqa: E712


def test_no_arrival_column_or_none_recorded_gives_no_response_breach():
    d = _tickets().drop(columns="arrived_at")
    f = sla_flags(d, as_of=T("2024-07-05"), targets=level_targets(TICKETS))
    assert f["breached"].isna().all()
    f = sla_flags(_tickets().assign(arrived_at=pd.NaT), as_of=T("2024-07-05"), targets=level_targets(TICKETS))
    assert f["breached"].isna().all()
    # the old behaviour, where a ticket with no arrival was late once its deadline had passed, is gone
    f = sla_flags(_tickets(), as_of=T("2024-07-05"), targets=level_targets(TICKETS), records_arrivals=False)
    assert f["breached"].notna().sum() == 2                       # a and f, which arrived


def test_untargeted_levels_are_named_with_their_tickets():
    levels = pd.Series(["5x9", "Value 2", "Value 2", None, "Value 3"])
    counts = untargeted_levels(levels, level_targets())
    assert counts.to_dict() == {"Value 2": 2, "Value 3": 1}
    assert untargeted_levels(_tickets()["service_level"], level_targets(TICKETS), "response").to_dict() == {
        "3 - Moderate": 1, "4 - Low": 1}
    assert untargeted_levels(_tickets()["service_level"], level_targets(TICKETS), "any").to_dict() == {"4 - Low": 1}


def test_sla_agreement_counts():
    flags = pd.DataFrame({
        "made_sla": pd.array([True, True, False, False, True, None, False], dtype="boolean"),
        "sla_breached": pd.array([False, False, True, False, True, False, None], dtype="boolean")})
    a = sla_agreement(flags).set_index("outcome")
    assert a["dispatches"].to_dict() == {"both_met": 2, "both_breached": 1, "export_only_breach": 1,
                                         "aftercare_only_breach": 1, "undecided": 2}
    assert a["share"].sum() == pytest.approx(1.0)
    assert (a.attrs["decided"], a.attrs["agreeing"]) == (5, 3)
    assert a.attrs["agreement"] == pytest.approx(0.6)
    lo, hi = wilson_interval(3, 5)
    assert (a.attrs["ci_low"], a.attrs["ci_high"]) == pytest.approx((float(lo), float(hi)))
    # the ticket frame end to end: a met, b breached by both, c breached by both, d met, e undecided, f
    # met by the export, late by Aftercare (arrived 12:00 > 11:00)
    f = sla_flags(_tickets(), as_of=T("2024-07-05"), targets=level_targets(TICKETS))
    a = sla_agreement(f).set_index("outcome")["dispatches"].to_dict()
    assert a == {"both_met": 2, "both_breached": 2, "export_only_breach": 0, "aftercare_only_breach": 1,
                 "undecided": 1}


def test_resolution_compliance_counts_the_resolution_flag():
    f = sla_flags(_tickets(), as_of=T("2024-07-05"), targets=level_targets(TICKETS))
    c = sla_compliance(f, outcome="resolution_breached").set_index("service_level")
    assert c.loc["1 - Critical", ["dispatches", "breaches", "undecided"]].tolist() == [4, 3, 0]     # b, c, f
    assert c.loc["4 - Low", ["dispatches", "undecided"]].tolist() == [0, 1]
