"""The Arrow CSV reader gives exactly what the csv-module reader gives, or steps aside (None).

Each case is a small export written byte for byte; the reference is :func:`read_csv_text`. Cases
marked ``fast`` must be taken by the Arrow reader (so a reader that always stepped aside would fail
here); the rest may step aside but must never disagree.
"""

import os

import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.ingest.fastcsv import read_csv_arrow
from pipeline.ingest.read import read_csv_text

H = "Order No,Line,Order Date,Customer,Qty,Unit Price"
ROWS = ["S1,1,2009-01-08,甲,2,1200.5", "S1,2,2009-01-08,甲,1,10", "S2,1,2009-01-09,乙銀行,1,10"]


def lines(*rows, end="\n"):
    return end.join(rows) + end


CASES = {
    # name: (bytes, the Arrow reader must take it)
    "plain": (lines(H, *ROWS).encode(), True),
    "crlf": (lines(H, *ROWS, end="\r\n").encode(), True),
    "no final newline": (lines(H, *ROWS).rstrip("\n").encode(), True),
    "utf-8 bom": (b"\xef\xbb\xbf" + lines(H, *ROWS).encode(), True),
    "short and long rows": (lines(H, ROWS[0], "S9,1,2009-01-08", ROWS[1], "S8,1,2009-01-08,甲,1,10,x,y").encode(),
                            True),
    "trailing empty cells (Excel)": (lines(H, ROWS[0] + ",,", ROWS[1], ROWS[2] + ", ").encode(), True),
    "a record of empty cells": (lines(H, ROWS[0], ",,,,,", ROWS[1]).encode(), True),
    "quoted delimiter and quotes": (lines(H, 'S1,1,2009-01-08,"甲,乙 ""公司""",2,"1,200.50"', ROWS[1]).encode(),
                                    True),
    "empty header cell": (lines(H + ",", ROWS[0] + ",x", ROWS[1] + ",").encode(), True),
    "extra column": (lines(H + ",Note", ROWS[0] + ",a", ROWS[1] + ",b").encode(), True),
    "duplicate header names": (lines(H + ",Note,Note", ROWS[0] + ",a,b").encode(), True),
    "tab delimited": (lines(*(r.replace(",", "\t") for r in (H, *ROWS))).encode(), True),
    "semicolons": (lines(*(r.replace(",", ";") for r in (H, *ROWS))).encode(), True),
    "cells with spaces and null tokens": (lines(H, "S1, 1 ,2009-01-08,  甲 ,NULL,#N/A", ROWS[1]).encode(), True),
    "blank line": (lines(H, ROWS[0], "", ROWS[1]).encode(), False),
    "whitespace line": (lines(H, ROWS[0], "   ", ROWS[1]).encode(), False),
    "quoted line break": (lines(H, 'S1,1,2009-01-08,"甲\n乙",2,10', ROWS[1], 'S3,1,2009-01-08,"a\r\nb",1,1').encode(),
                          True),
    "quoted line break and a short row": (lines(H, 'S1,1,2009-01-08,"甲\n乙",2,10', "S2,1", ROWS[1]).encode(), False),
    "quoted line break and a blank line": (lines(H, 'S1,1,2009-01-08,"甲\n乙",2,10', "", ROWS[1]).encode(), False),
    "unterminated quote": (lines(H, 'S1,1,2009-01-08,"甲,2,10', ROWS[1], ROWS[2]).encode(), False),
    "lone carriage returns": (lines(H, *ROWS, end="\r").encode(), False),
    "title rows above the header": (lines("Sales export", "", H, *ROWS).encode(), False),
    "gb18030": (lines(H.replace("Customer", "客户名称"), *ROWS).encode("gb18030"), True),
    "big5": (lines(H.replace("Customer", "客戶名稱"), *ROWS, *ROWS).encode("big5"), True),
    "utf-16": (lines(H, *ROWS).encode("utf-16"), True),
    "not text at all": (bytes(range(256)) * 8, False),
    "header only": (lines(H).encode(), False),
    "empty": (b"", False),
    "only short rows": (lines(H, "S1,1", "S2,1").encode(), True),
}


def _read(reader, path, table="sales"):
    try:
        return reader(path, path.name, table)
    except InputError as e:
        return e


@pytest.mark.parametrize("name", list(CASES))
def test_arrow_reader_agrees_with_the_csv_module(tmp_path, name):
    data, must_take = CASES[name]
    path = tmp_path / "sales.csv"
    path.write_bytes(data)
    slow, fast = _read(read_csv_text, path), _read(read_csv_arrow, path)
    if fast is None:
        assert not must_take, "the Arrow reader stepped aside from a file it should read"
        return
    if isinstance(slow, InputError) or isinstance(fast, InputError):
        assert str(fast) == str(slow)
        return
    pd.testing.assert_frame_equal(fast.frame.astype(object), slow.frame)
    assert all(isinstance(fast.frame[c].dtype, pd.CategoricalDtype) for c in fast.frame)
    for attr in ("rows_read", "physical_rejects", "encoding", "warnings", "header_map"):
        assert getattr(fast, attr) == getattr(slow, attr), attr


def test_rows_and_rejects_keep_their_line_numbers(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_bytes(lines(H, ROWS[0], "S9,1", ROWS[1] + ",,", "S8,1,2009-01-08,甲,1,10,x", ROWS[2]).encode())
    raw = read_csv_arrow(path, "sales.csv", "sales")
    assert list(raw.frame.index) == [2, 4, 6]
    assert [(r["source_row"], r["reason"]) for r in raw.physical_rejects] == [
        (3, "2 fields where the header has 6"), (5, "7 fields where the header has 6")]
    assert raw.rows_read == 5
    assert list(raw.frame["order_id"].astype(str)) == ["S1", "S1", "S2"]


def test_a_large_export_is_read_by_arrow_with_the_same_result(tmp_path, monkeypatch):
    # several of Arrow's parallel blocks (each encoded with its own dictionary), with broken records
    # scattered through them
    monkeypatch.setattr("pipeline.ingest.fastcsv.BLOCK_BYTES", 1 << 20)
    rows = [f"S{i},1,2009-01-{1 + i % 28:02d},客戶{i % 97},{i % 5},{i * 1.5}" for i in range(120_000)]
    for i in (7, 50_001, 119_998):
        rows[i] = rows[i].rsplit(",", 2)[0]
    rows[60_000] += ",,"
    path = tmp_path / "sales.csv"
    path.write_bytes(lines(H, *rows).encode())
    assert os.path.getsize(path) > 4 << 20
    slow, fast = read_csv_text(path, "sales.csv", "sales"), read_csv_arrow(path, "sales.csv", "sales")
    assert fast is not None
    pd.testing.assert_frame_equal(fast.frame.astype(object), slow.frame)
    assert fast.physical_rejects == slow.physical_rejects and [r["source_row"] for r in fast.physical_rejects] == [
        9, 50_003, 120_000]
    assert fast.rows_read == slow.rows_read == 120_000
    for column in fast.frame:    # the blocks' dictionaries united: first appearance order, none unused
        values = fast.frame[column].astype(object).to_numpy()
        assert list(fast.frame[column].cat.categories) == list(pd.unique(values)), column


def test_the_sample_exports_read_the_same_both_ways(tmp_path):
    from pipeline.sample import write_sample

    write_sample(tmp_path, customers=60, seed=3)
    taken = 0
    for path in sorted(tmp_path.glob("*.csv")):
        table = next(t for t in ("dispatches", "sales", "customers", "contracts") if path.name.startswith(t))
        slow, fast = _read(read_csv_text, path, table), _read(read_csv_arrow, path, table)
        if fast is None:
            continue
        taken += 1
        pd.testing.assert_frame_equal(fast.frame.astype(object), slow.frame)
        assert (fast.rows_read, fast.physical_rejects) == (slow.rows_read, slow.physical_rejects)
    assert taken >= 2


@pytest.mark.parametrize("declared", ["gb18030", "utf-8"])
def test_a_declared_encoding_reads_the_same(tmp_path, declared):
    path = tmp_path / "sales.csv"
    path.write_bytes(lines(H.replace("Customer", "客户名称"), *ROWS).encode(declared))
    slow = read_csv_text(path, "sales.csv", "sales", encoding=declared)
    fast = read_csv_arrow(path, "sales.csv", "sales", encoding=declared)
    if declared == "gb18030":
        assert fast is not None
    if fast is not None:
        pd.testing.assert_frame_equal(fast.frame.astype(object), slow.frame)
        assert (fast.encoding, fast.rows_read) == (slow.encoding, slow.rows_read)


def test_line_breaks_are_counted_as_bytes_count_counts_them():
    import random

    from pipeline.ingest.fastcsv import line_breaks

    def expected(data):
        return data.count(b"\n"), data.count(b"\r") != data.count(b"\r\n")

    rng = random.Random(1)
    cases = [b"", b"a", b"\r", b"\n", b"a\r\n", b"a\r", b"a\rb\n", b"\r\n\r\n", b"x\r\ny\r"]
    cases += [bytes(rng.choice(b"ab\r\n") for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    for data in cases:
        for chunk in (1, 2, 3, 7, 1 << 24):      # small slices: a \r\n split across two of them
            assert line_breaks(data, chunk) == expected(data), (data, chunk)
    assert line_breaks(b"a\r\nb\r\n", 3) == (2, False) and line_breaks(b"a\r\nb\rc\n", 3) == (2, True)
