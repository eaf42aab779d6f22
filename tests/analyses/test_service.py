"""Service analysis: exact numbers on small hand-built tables and a published Kaplan-Meier table."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.analyses import service
from pipeline.analyses.service.sla import sla_flags, wilson_interval

T = pd.Timestamp


def frame(rows, **defaults):
    """Dispatches from dicts; list columns default to [], other contract columns to None."""
    base = {"ticket_id": None, "customer_id": "C1", "customer_name": "Acme", "reported_at": T("2024-07-01 10:00"),
            "arrived_at": pd.NaT, "closed_at": pd.NaT, "service_level": "5x9", "machine_type": "7979",
            "symptom_code": "NO_DISPLAY", "cause_codes": [], "predicted_cause_code": None, "parts_sent": [],
            "parts_used": [], "visits": 1, "engineer": "E1"}
    base.update(defaults)
    out = []
    for i, r in enumerate(rows):
        rec = {**base, **r}
        rec["ticket_id"] = rec["ticket_id"] or f"T{i:03d}"
        for c in ("cause_codes", "parts_sent", "parts_used"):
            rec[c] = list(rec[c])
        out.append(rec)
    d = pd.DataFrame(out)
    d["visits"] = d["visits"].astype("Int64")
    d["first_time_fix"] = (d["visits"] == 1).astype("boolean")
    return d


# --------------------------------------------------------------------------- first-time fix
def test_first_time_fix_counts():
    d = frame([{"visits": 1, "engineer": "A"}, {"visits": 1, "engineer": "A"}, {"visits": 2, "engineer": "A"},
               {"visits": 3, "engineer": "B"}, {"visits": 1, "engineer": "B"}, {"visits": None, "engineer": "B"}])
    all_only = service.first_time_fix(d)
    assert all_only[["group", "dispatches", "first_time_fixes", "rate"]].values.tolist() == [["all", 5, 3, 0.6]]
    lo, hi = wilson_interval(3, 5)
    assert all_only["ci_low"].iloc[0] == pytest.approx(float(lo))
    by = service.first_time_fix(d, by="engineer").set_index("group")
    assert list(by.index) == ["A", "B", "all"]
    assert by.loc["A", ["dispatches", "first_time_fixes"]].tolist() == [3, 2]
    assert by.loc["B", ["dispatches", "first_time_fixes"]].tolist() == [2, 1]   # unknown visits left out
    assert by.loc["all", "rate"] == pytest.approx(0.6)


def test_second_visit_reasons():
    d = frame([
        {"visits": 2, "predicted_cause_code": "MEMORY", "cause_codes": ["MOTHERBOARD"], "parts_sent": ["DIMM"]},
        {"visits": 2, "predicted_cause_code": "MEMORY", "cause_codes": ["MEMORY", "MOTHERBOARD"],
         "parts_sent": ["DIMM"], "parts_used": ["DIMM", "MB"]},
        {"visits": 3, "predicted_cause_code": "DISK_PHYSICAL", "cause_codes": ["DISK_PHYSICAL"],
         "parts_sent": ["HDD"], "parts_used": ["HDD"]},
        {"visits": 2, "predicted_cause_code": None, "cause_codes": ["MEMORY"]},
        {"visits": 2, "predicted_cause_code": "MEMORY", "cause_codes": ["MEMORY"]},  # need derived: DIMM
        {"visits": 1, "predicted_cause_code": "MEMORY", "cause_codes": ["MOTHERBOARD"]},  # not a repeat
    ])
    r = service.second_visit_reasons(d)
    assert r["ticket_id"].tolist() == ["T000", "T001", "T002", "T003", "T004"]
    assert r["reason"].tolist() == ["wrong_diagnosis", "part_not_available", "other", "other",
                                    "part_not_available"]
    # with an empty mapping the last need is unknown -> other
    r2 = service.second_visit_reasons(d, cause_parts={})
    assert r2["reason"].tolist()[-1] == "other"


# --------------------------------------------------------------------------- Kaplan-Meier
# Freireich et al. (1963) 6-MP arm, remission in weeks, * = censored. Published KM table
# (e.g. Kleinbaum & Klein, Survival Analysis, table 2.2; Klein & Moeschberger, table 4.1A).
SIX_MP = [(6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0), (13, 1), (16, 1), (17, 0),
          (19, 0), (20, 0), (22, 1), (23, 1), (25, 0), (32, 0), (32, 0), (34, 0), (35, 0)]
PUBLISHED = {6: (0.857, 0.076), 7: (0.807, 0.087), 10: (0.753, 0.096), 13: (0.690, 0.107), 16: (0.627, 0.114),
             22: (0.538, 0.128), 23: (0.448, 0.135)}


def test_kaplan_meier_textbook():
    t, e = zip(*SIX_MP)
    km = service.kaplan_meier(t, e).set_index("time")
    for time, (s, se) in PUBLISHED.items():
        assert km.loc[time, "survival"] == pytest.approx(s, abs=5e-4)
        assert km.loc[time, "std_err"] == pytest.approx(se, abs=5e-4)
    assert km.loc[6, ["at_risk", "events", "censored"]].tolist() == [21, 3, 1]
    assert km.loc[35, "survival"] == pytest.approx(0.448, abs=5e-4)     # flat after the last event
    # log-log interval at t=6 by hand: S^exp(-+z*sqrt(3/(21*18))/log S)
    s, v = 18 / 21, 3 / (21 * 18)
    z = stats.norm.ppf(0.975)
    assert km.loc[6, "ci_low"] == pytest.approx(s ** np.exp(-z * np.sqrt(v) / np.log(s)))
    assert km.loc[6, "ci_high"] == pytest.approx(s ** np.exp(z * np.sqrt(v) / np.log(s)))
    assert km.loc[6, "ci_low"] == pytest.approx(0.6197, abs=5e-5)


def _six_mp_tickets(as_of):
    """6-MP as tickets: events closed after t hours, censored ones still open at as_of after t hours."""
    rows = []
    for i, (t, ev) in enumerate(SIX_MP):
        if ev:
            rep = as_of - pd.Timedelta(hours=100 + i)
            rows.append({"reported_at": rep, "closed_at": rep + pd.Timedelta(hours=t)})
        else:
            rows.append({"reported_at": as_of - pd.Timedelta(hours=t), "closed_at": pd.NaT})
    return frame(rows)


def test_repair_time_km_censors_open_tickets_at_as_of():
    as_of = T("2024-06-30 12:00")
    km = service.repair_time_km(_six_mp_tickets(as_of), as_of).set_index("time")
    for time, (s, _) in PUBLISHED.items():
        assert km.loc[time, "survival"] == pytest.approx(s, abs=5e-4)
    assert km["events"].sum() == 9 and km["censored"].sum() == 12
    summary = service.repair_time_summary(_six_mp_tickets(as_of), as_of).iloc[0]
    assert summary[["tickets", "closed", "open"]].tolist() == [21, 9, 12]
    assert summary["median_hours"] == 23
    assert summary["median_ci_low"] == 13
    assert np.isnan(summary["median_ci_high"]) and np.isnan(summary["p90_hours"])   # not reached


def test_open_ticket_changes_curve_but_is_not_an_event():
    as_of = T("2024-06-30 12:00")
    closed = [{"reported_at": as_of - pd.Timedelta(hours=50), "closed_at": as_of - pd.Timedelta(hours=48)},
              {"reported_at": as_of - pd.Timedelta(hours=50), "closed_at": as_of - pd.Timedelta(hours=46)}]
    open_ = {"reported_at": as_of - pd.Timedelta(hours=3), "closed_at": pd.NaT}
    later = {"reported_at": as_of - pd.Timedelta(hours=3), "closed_at": as_of + pd.Timedelta(hours=5)}
    future = {"reported_at": as_of + pd.Timedelta(hours=1), "closed_at": pd.NaT}
    without = service.repair_time_km(frame(closed), as_of).set_index("time")
    assert without.loc[2, "survival"] == 0.5
    with_open = service.repair_time_km(frame(closed + [open_, future]), as_of).set_index("time")
    assert with_open.loc[2, "survival"] == pytest.approx(2 / 3)       # n=3 at risk at 2h
    assert with_open.loc[3, ["events", "censored"]].tolist() == [0, 1]
    assert with_open.loc[4, "survival"] == 0.0
    assert with_open["events"].sum() == 2 and with_open["at_risk"].iloc[0] == 3    # future ticket excluded
    # closed after as_of = still open at as_of
    same = service.repair_time_km(frame(closed + [later]), as_of).set_index("time")
    pd.testing.assert_frame_equal(same, service.repair_time_km(frame(closed + [open_]), as_of).set_index("time"))


def test_repair_time_by_group():
    as_of = T("2024-06-30 12:00")
    d = frame([{"reported_at": as_of - pd.Timedelta(hours=20), "closed_at": as_of - pd.Timedelta(hours=10),
                "service_level": "5x9"},
               {"reported_at": as_of - pd.Timedelta(hours=20), "closed_at": as_of - pd.Timedelta(hours=18),
                "service_level": "7x24x4"},
               {"reported_at": as_of - pd.Timedelta(hours=20), "closed_at": as_of - pd.Timedelta(hours=16),
                "service_level": "7x24x4"}])
    s = service.repair_time_summary(d, as_of, by="service_level").set_index("service_level")
    assert s.loc["5x9", "median_hours"] == 10
    assert s.loc["7x24x4", "median_hours"] == 2 and s.loc["7x24x4", "p90_hours"] == 4


# --------------------------------------------------------------------------- cause given symptom
def _causes():
    return frame([
        {"symptom_code": "A", "cause_codes": ["X"], "machine_type": "7979"},
        {"symptom_code": "A", "cause_codes": ["X"], "machine_type": "7979"},
        {"symptom_code": "A", "cause_codes": ["X", "Y"], "machine_type": "8840"},   # two-cause cell
        {"symptom_code": "A", "cause_codes": [], "machine_type": "7979"},           # unknown cause: left out
        {"symptom_code": "B", "cause_codes": ["Z", "Z"], "machine_type": "7979"},   # repeat counts once
        {"symptom_code": "UNMAPPED", "cause_codes": ["W"]},
    ])


def test_cause_given_symptom_posterior_means():
    t = service.cause_given_symptom(_causes(), prior=0.5, min_dispatches=1)
    got = {(r.symptom_code, r.cause_code): (r.dispatches, r.probability) for r in t.itertuples()}
    # causes seen for any symptom: W, X, Y, Z (UNMAPPED's W still counts as a seen cause) -> K = 4
    # A: mentions X=3, Y=1 (N=4): (n + .5) / (4 + 2)
    assert got[("A", "X")] == (3, pytest.approx(3.5 / 6))
    assert got[("A", "Y")] == (1, pytest.approx(1.5 / 6))
    assert got[("A", "Z")] == (0, pytest.approx(0.5 / 6))
    assert got[("B", "Z")] == (1, pytest.approx(1.5 / 3))
    assert "UNMAPPED" not in set(t["symptom_code"])
    assert t.groupby("symptom_code")["probability"].sum().tolist() == pytest.approx([1.0, 1.0])
    a = t[t["symptom_code"] == "A"]
    assert a["cause_code"].tolist()[:2] == ["X", "Y"]                    # ordered by probability
    assert a["symptom_dispatches"].iloc[0] == 3 and a["mentions"].iloc[0] == 4
    x = a.iloc[0]
    assert x["ci_low"] == pytest.approx(stats.beta.ppf(0.025, 3.5, 2.5))
    assert list(t.columns[:6]) == ["symptom_code", "cause_code", "dispatches", "probability", "ci_low", "ci_high"]


def test_cause_given_symptom_credible_interval_closed_form():
    # prior 1, symptom B has N=1 mention of Z; K=4 -> X ~ Beta(1, 1 + 3) = Beta(1, 4):
    # ppf(q) = 1 - (1 - q)^(1/4)
    t = service.cause_given_symptom(_causes(), prior=1.0, min_dispatches=1).set_index(["symptom_code",
                                                                                        "cause_code"])
    assert t.loc[("B", "X"), "probability"] == pytest.approx(1 / 5)
    assert t.loc[("B", "X"), "ci_low"] == pytest.approx(1 - 0.975 ** 0.25)
    assert t.loc[("B", "X"), "ci_high"] == pytest.approx(1 - 0.025 ** 0.25)


def test_cause_given_symptom_min_dispatches_and_by():
    t = service.cause_given_symptom(_causes(), min_dispatches=2)
    assert set(t["symptom_code"]) == {"A"}
    g = service.cause_given_symptom(_causes(), min_dispatches=2, by="machine_type")
    assert set(zip(g["symptom_code"], g["machine_type"])) == {("A", "7979")}
    assert g.set_index("cause_code").loc["X", "probability"] == pytest.approx(2.5 / 4)


def test_diagnosis_checklist():
    t = service.cause_given_symptom(_causes(), prior=0.5, min_dispatches=1)
    c = service.diagnosis_checklist(t)
    a = c[c["symptom_code"] == "A"]
    assert a["cause_code"].tolist() == ["X", "Y"] and a["rank"].tolist() == [1, 2]
    assert a["cumulative_probability"].tolist() == pytest.approx([3.5 / 6, 5 / 6])
    assert a["cumulative_observed_share"].tolist() == pytest.approx([0.75, 1.0])
    # the UNMAPPED symptom's dispatch is left out of the table and the checklist alike, and both say so
    assert t.attrs["left_out"] == c.attrs["left_out"] == 1


# --------------------------------------------------------------------------- parts kit
def _kit_table():
    rows = ([{"parts_used": ["DIMM"]}] * 3 + [{"parts_used": ["MB"]}] * 3 + [{"parts_used": ["CPU", "PSU"]}] * 4
            + [{"cause_codes": ["LOOSE_SLOT"]}] * 2          # no part needed: always covered
            + [{"cause_codes": ["MEMORY"]}]                  # parts_used missing: derived DIMM
            + [{}])                                          # need unknown: left out
    rows = [{**r, "parts_sent": ["CPU", "PSU"]} for r in rows]
    rows += [{"symptom_code": "HDD_AMBER", "parts_used": ["HDD"]}] * 2 + [{"symptom_code": "HDD_AMBER",
                                                                          "cause_codes": ["DISK_LOGICAL"]}]
    return frame(rows)


def test_parts_kit_best_pair_is_not_the_top_two_parts():
    k = service.parts_kit(_kit_table()).set_index("symptom_code")
    nd = k.loc["NO_DISPLAY"]
    # single-part frequencies: DIMM 4, CPU 4, PSU 4, MB 3, yet {CPU, PSU} covers only 4 + 2 of 13
    assert {nd["part_1"], nd["part_2"]} == {"DIMM", "MB"}
    assert nd["part_1"] == "DIMM"                      # more often needed first
    assert nd["kit_coverage"] == pytest.approx(9 / 13)
    assert nd["dispatches"] == 13 and nd["unknown_need"] == 1
    assert nd["sent_coverage"] == pytest.approx(6 / 13)
    assert nd["expected_second_visits_saved"] == pytest.approx(3.0)
    hdd = k.loc["HDD_AMBER"]
    assert hdd["part_1"] == "HDD" and hdd["part_2"] is None and hdd["kit_coverage"] == 1.0
    assert list(k.reset_index().columns[:4]) == ["symptom_code", "part_1", "part_2", "kit_coverage"]


def test_parts_kit_counts_the_dispatches_it_leaves_out():
    rows = [{"symptom_code": "UNMAPPED", "parts_used": ["HDD"]}] * 3 + [{"symptom_code": "HDD_AMBER",
                                                                        "cause_codes": ["UNMAPPED"]}] * 2
    k = service.parts_kit(frame(rows))
    assert k.attrs["left_out"] == 3 and "UNMAPPED" not in set(k["symptom_code"])
    # a coded symptom whose only cause is UNMAPPED has no known need: its unknown_need, not the kit's
    assert k.set_index("symptom_code").loc["HDD_AMBER", ["dispatches", "unknown_need"]].tolist() == [0, 2]
    assert service.parts_kit(frame(rows), include_unmapped=True).attrs["left_out"] == 0


def test_parts_kit_max_parts_and_mapping():
    three = service.parts_kit(_kit_table(), max_parts=3).set_index("symptom_code").loc["NO_DISPLAY"]
    # best triple: {DIMM, MB} + either CPU or PSU adds nothing; {CPU, PSU, DIMM} covers 4+4+2 = 10
    assert {three["part_1"], three["part_2"], three["part_3"]} == {"CPU", "PSU", "DIMM"}
    assert three["kit_coverage"] == pytest.approx(10 / 13)
    one = service.parts_kit(_kit_table(), max_parts=1).set_index("symptom_code").loc["NO_DISPLAY"]
    assert one["part_1"] == "DIMM" and one["kit_coverage"] == pytest.approx(6 / 13)
    # a custom mapping: MEMORY now needs DIMM + MB
    custom = service.parts_kit(_kit_table(), cause_parts={"MEMORY": ["DIMM", "MB"], "LOOSE_SLOT": [],
                                                          "DISK_LOGICAL": []})
    assert custom.set_index("symptom_code").loc["NO_DISPLAY", "kit_coverage"] == pytest.approx(9 / 13)


def test_needed_parts():
    need = service.needed_parts(_kit_table())
    assert need.iloc[0] == ["DIMM"] and need.iloc[6] == ["CPU", "PSU"]
    assert need.iloc[10] == [] and need.iloc[12] == ["DIMM"] and need.iloc[13] is None


# --------------------------------------------------------------------------- CAG
def _cag():
    return frame([
        {"predicted_cause_code": "MEMORY", "cause_codes": ["MEMORY"], "symptom_code": "NO_DISPLAY"},
        {"predicted_cause_code": "MEMORY", "cause_codes": ["MOTHERBOARD", "MEMORY"], "symptom_code": "NO_DISPLAY"},
        {"predicted_cause_code": "MEMORY", "cause_codes": ["MOTHERBOARD"], "symptom_code": "NO_DISPLAY"},
        {"predicted_cause_code": "MEMORY", "cause_codes": ["MOTHERBOARD"], "symptom_code": "NO_DISPLAY"},
        {"predicted_cause_code": "DISK_PHYSICAL", "cause_codes": ["DISK_PHYSICAL"], "symptom_code": "HDD_AMBER"},
        {"predicted_cause_code": "DISK_PHYSICAL", "cause_codes": ["DISK_LOGICAL"], "symptom_code": "HDD_AMBER"},
        {"predicted_cause_code": None, "cause_codes": ["MOTHERBOARD"]},          # no prediction
        {"predicted_cause_code": "CPU", "cause_codes": []},                      # cause unknown
    ])


def test_cag_accuracy():
    a = service.cag_accuracy(_cag())
    assert a[["group", "predictions", "correct"]].values.tolist() == [["all", 6, 3]]
    assert a["accuracy"].iloc[0] == 0.5
    by = service.cag_accuracy(_cag(), by="symptom_code").set_index("group")
    assert by.loc["NO_DISPLAY", ["predictions", "correct"]].tolist() == [4, 2]
    assert by.loc["all", "predictions"] == 6


def test_cag_confusion():
    c = service.cag_confusion(_cag(), top=2)
    # actual: MEMORY (matched in row 2), MEMORY, MB, MB, DISK_PHYSICAL, DISK_LOGICAL
    assert list(c.columns) == ["MEMORY", "MOTHERBOARD", "OTHER"]
    assert c.loc["MEMORY", "MEMORY"] == 2 and c.loc["MEMORY", "MOTHERBOARD"] == 2
    assert c.loc["OTHER", "OTHER"] == 2 and int(c.values.sum()) == 6


def test_cag_misses_by_symptom():
    m = service.cag_misses_by_symptom(_cag()).set_index("symptom_code")
    assert m.loc["NO_DISPLAY", ["predictions", "misses"]].tolist() == [4, 2]
    assert m.loc["NO_DISPLAY", "top_missed_cause"] == "MOTHERBOARD"
    assert m.loc["NO_DISPLAY", "top_wrong_prediction"] == "MEMORY"
    assert m.loc["HDD_AMBER", "miss_rate"] == 0.5


# --------------------------------------------------------------------------- workload
def test_workload_and_league():
    d = frame([
        {"engineer": "A", "reported_at": T("2024-01-10 10:00"), "visits": 1, "customer_id": "C1"},
        {"engineer": "A", "reported_at": T("2024-01-11 10:00"), "visits": 2, "customer_id": "C2",
         "customer_name": "Beta"},
        {"engineer": "B", "reported_at": T("2024-03-05 10:00"), "visits": 1, "customer_id": "C1",
         "arrived_at": T("2024-03-08 10:00")},
        {"engineer": None, "reported_at": T("2024-03-06 10:00"), "visits": None, "customer_id": "C1"},
    ], arrived_at=T("2024-01-10 11:00"))
    d.loc[0, "arrived_at"] = T("2024-01-10 11:00")
    d.loc[1, "arrived_at"] = T("2024-01-11 11:00")
    d.loc[3, "arrived_at"] = pd.NaT
    w = service.workload(d)
    months = w[w["dimension"] == "month"]
    assert months["key"].tolist() == ["2024-01", "2024-02", "2024-03"] and months["dispatches"].tolist() == [2, 0, 2]
    eng = w[w["dimension"] == "engineer"].set_index("key")
    assert eng.loc["A", "dispatches"] == 2 and eng.loc["(unknown)", "dispatches"] == 1
    cust = w[w["dimension"] == "customer_id"].set_index("key")
    assert cust.loc["C1", "dispatches"] == 3 and cust.loc["C2", "label"] == "Beta"
    assert cust["share"].sum() == pytest.approx(1.0)

    flags = sla_flags(d, as_of=T("2024-03-31"))
    league = service.engineer_league(d, flags).set_index("engineer")
    assert league.loc["A", ["dispatches", "ftf_dispatches", "first_time_fixes", "sla_dispatches", "breaches"]
                      ].tolist() == [2, 2, 1, 2, 0]
    # B: reported Tue 5 Mar 10:00, due Wed 6 Mar 18:00, arrived Fri 8 Mar -> breach
    assert league.loc["B", ["sla_dispatches", "breaches", "breach_rate"]].tolist() == [1, 1, 1.0]
    assert league.loc["(unknown)", ["ftf_dispatches", "sla_dispatches", "breaches"]].tolist() == [0, 1, 1]
    assert np.isnan(league.loc["(unknown)", "ftf_rate"])


def test_empty_input_keeps_the_all_row():
    empty = frame([{}]).iloc[:0]
    ftf = service.first_time_fix(empty, by="engineer")
    assert ftf[["group", "dispatches", "first_time_fixes"]].values.tolist() == [["all", 0, 0]]
    assert np.isnan(ftf["rate"].iloc[0])
    assert service.parts_kit(empty).empty and service.cause_given_symptom(empty).empty


def test_repair_durations_is_row_partitionable():
    as_of = T("2024-06-30 12:00")
    d = _six_mp_tickets(as_of)
    whole = service.repair_durations(d, as_of)
    pd.testing.assert_frame_equal(whole, pd.concat([service.repair_durations(d.iloc[:7], as_of),
                                                    service.repair_durations(d.iloc[7:], as_of)]))


# --------------------------------------------------------------------------- primary cause only
def test_first_only_counts_the_primary_cause():
    d = frame([{"cause_codes": ["MOTHERBOARD", "MEMORY"], "predicted_cause_code": "MEMORY"},
               {"cause_codes": ["MEMORY"], "predicted_cause_code": "MEMORY"},
               {"cause_codes": ["CPU"], "predicted_cause_code": "MEMORY"}])
    c = service.cause_given_symptom(d, min_dispatches=1, first_only=True, prior=0).set_index("cause_code")
    assert c["dispatches"].to_dict() == {"CPU": 1, "MEMORY": 1, "MOTHERBOARD": 1}
    assert (c["mentions"] == 3).all() and (c["symptom_dispatches"] == 3).all()
    assert c.loc["MEMORY", "probability"] == pytest.approx(1 / 3)
    anyc = service.cause_given_symptom(d, min_dispatches=1, prior=0).set_index("cause_code")
    assert anyc.loc["MEMORY", "dispatches"] == 2 and anyc.loc["MEMORY", "mentions"] == 4
    assert service.cag_accuracy(d).iloc[-1][["predictions", "correct"]].tolist() == [3, 2]
    assert service.cag_accuracy(d, first_only=True).iloc[-1][["predictions", "correct"]].tolist() == [3, 1]


def test_thesis_table_4_1_rows():
    from pipeline.analyses.service import thesis_table_4_1

    d = frame([{"cause_codes": ["RAID_CARD"]}, {"cause_codes": ["MOTHERBOARD", "MEMORY"]}, {}],
              machine_model="Q7C", symptom_text="開機無顯", cause_text="x")
    d["source_file"] = ["dispatches_thesis_table_4_1.csv", "dispatches_thesis_table_4_1.csv", "other.csv"]
    d["source_row"] = [5, 2, 3]
    out = thesis_table_4_1(d)
    assert out["ticket_id"].tolist() == ["T001", "T000"]           # in source-row order
    assert out["machine_type_model"].tolist() == ["7979Q7C", "7979Q7C"]
    assert out["cause_codes"].tolist() == [["MOTHERBOARD", "MEMORY"], ["RAID_CARD"]]
    assert thesis_table_4_1(d.drop(columns="source_file")).empty


def test_list_cells_flatten_the_same_on_both_paths():
    # lists only: the Arrow path; a bare string among them: the general path. Same pairs, same order,
    # an item repeated within one cell counted once, missing cells and items skipped.
    import numpy as np

    from pipeline.analyses.service.common import long_items

    lists = pd.DataFrame({"c": [["B", "A", "B"], None, [], np.array(["C", None, "A"], dtype=object), ["A"],
                                float("nan")]})
    out = long_items(lists, "c", "cause")
    assert out.to_dict("list") == {"row": [0, 0, 3, 3, 4], "cause": ["B", "A", "C", "A", "A"]}
    mixed = pd.DataFrame({"c": ["AB", ["B", "A", "B"], [1, 2], None]})
    out = long_items(mixed, "c", "cause")
    assert out.to_dict("list") == {"row": [0, 1, 1, 2, 2], "cause": ["AB", "B", "A", "1", "2"]}


def test_cause_given_symptom_counts_on_a_worked_example():
    from pipeline.analyses.service import cause_given_symptom

    d = pd.DataFrame({"symptom_code": pd.Categorical(["S1", "S1", "S1", "S2", None, "UNMAPPED"]),
                      "cause_codes": [["C1", "C2"], ["C1"], ["C2", "C2"], ["C3"], ["C1"], ["C1"]]})
    t = cause_given_symptom(d, min_dispatches=1, prior=0.0).set_index(["symptom_code", "cause_code"])
    # S1: mentions C1 twice, C2 twice (the repeat within row 2 once) in 3 dispatches; causes seen: C1-C3
    assert t.loc[("S1", "C1"), ["dispatches", "symptom_dispatches", "mentions"]].tolist() == [2, 3, 4]
    assert t.loc[("S1", "C3"), "dispatches"] == 0 and t.loc[("S1", "C2"), "probability"] == 0.5
    assert t.loc[("S2", "C3"), "probability"] == 1.0
    assert set(t.index.get_level_values(0)) == {"S1", "S2"}        # missing and UNMAPPED left out
    first = cause_given_symptom(d, min_dispatches=1, prior=0.0, first_only=True, keep_unseen=False)
    assert first.set_index(["symptom_code", "cause_code"])["dispatches"].to_dict() == {
        ("S1", "C1"): 2, ("S1", "C2"): 1, ("S2", "C3"): 1}


def test_cause_given_symptom_reads_arrow_list_columns_as_it_reads_lists(tmp_path):
    import pyarrow as pa

    from pipeline.processed import read_processed_table

    d = pd.DataFrame({"symptom_code": ["HDD", "HDD", "BLUE", None, "HDD", "BLUE", "BLUE", "HDD", "HDD"],
                      "cause_codes": [["DISK"], ["DISK", "RAID", "DISK"], ["MEM"], ["DISK"], [], ["MEM", "MB"],
                                      None, ["RAID"], ["DISK"]]})
    d.to_parquet(tmp_path / "d.parquet")
    arrow = read_processed_table(tmp_path / "d.parquet", list_columns="arrow")
    assert isinstance(arrow["cause_codes"].dtype, pd.ArrowDtype)
    assert pa.types.is_list(arrow["cause_codes"].dtype.pyarrow_dtype)
    for kw in ({}, {"first_only": True}, {"min_dispatches": 1, "include_unmapped": True}):
        expected = service.cause_given_symptom(d, **kw)
        got = service.cause_given_symptom(arrow, **kw)
        pd.testing.assert_frame_equal(got, expected)
    hdd = service.cause_given_symptom(d, min_dispatches=1, keep_unseen=False).query("symptom_code == 'HDD'")
    assert dict(zip(hdd["cause_code"], hdd["dispatches"])) == {"DISK": 3, "RAID": 2}


@pytest.mark.parametrize("as_category", [False, True])
def test_one_key_groups_are_numbered_as_groupby_numbers_them(as_category):
    d = pd.DataFrame({"symptom_code": ["HDD", None, "BLUE", "HDD", "MEM", None, "BLUE"]})
    if as_category:
        d = d.astype({"symptom_code": "category"})
    from pipeline.analyses.service.common import group_codes

    codes, labels = group_codes(d, ["symptom_code"])
    grouped = d.groupby(["symptom_code"], dropna=False, observed=True, sort=True)
    assert codes.tolist() == grouped.ngroup().tolist() == [1, 3, 0, 1, 2, 3, 0]
    expected = grouped.size().index.to_frame(index=False)["symptom_code"]
    assert labels["symptom_code"].astype(object).where(labels["symptom_code"].notna(), None).tolist() == \
        expected.astype(object).where(expected.notna(), None).tolist() == ["BLUE", "HDD", "MEM", None]
