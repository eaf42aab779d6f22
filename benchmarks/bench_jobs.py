"""Benchmark every heavy job on pandas, Dask, DuckDB and the pyarrow read floor, in one run.

    .venv/bin/pip install -e '.[bench]'                  # duckdb, only for the benchmarks
    .venv/bin/python benchmarks/bench_jobs.py             # 1M sales lines + 1M dispatches
    .venv/bin/python benchmarks/bench_jobs.py --sales 10000000 --dispatches 1000000 --skip clean
    .venv/bin/python benchmarks/bench_jobs.py --sales 100000 --dispatches 100000 --customers 100000  # quick

Jobs: ``clean`` (raw CSV → processed tables), ``rfm`` (per-customer frequency/recency/T/monetary,
:func:`pipeline.clv.rfm_summary`), ``cohort`` (:func:`pipeline.lifecycle.cohort_retention`),
``symptom_cause`` (:func:`pipeline.service.cause_given_symptom`), ``sla`` (:func:`pipeline.sla.sla_flags`,
business hours), ``pairs`` (:func:`pipeline.crosssell.pair_table`), ``clv`` (BG/NBD + Gamma-Gamma fit on
``--customers`` simulated customers, :mod:`pipeline.clv`, against ``lifetimes`` when importable).
For ``clean``, DuckDB runs the SQL an analyst who reached for it instead would write (every cell as
text, dates in the exports' formats, numbers cast, text trimmed, one row per key, sorted, kept in
DuckDB's memory: ``_DUCK_SALES``); it checks far less than the pipeline, so its ratio flatters DuckDB.

Each measurement runs in its own child process; its wall time excludes imports and data generation
(and, for Dask, starting the local cluster — reported once), and its peak memory is the largest
resident set of the child *and all its descendants together* (Dask's workers included), sampled
every 20 ms with psutil. The results of every engine are compared with pandas' (the job's key
columns; floats to 1e-9 relative) and the table says whether they are equal.

Data: ``benchmarks/generate.py`` (cached in ``benchmarks/out/``, git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JOBS = ["clean", "rfm", "cohort", "symptom_cause", "sla", "pairs", "clv"]
ENGINES = ["pandas", "dask", "duckdb", "floor"]
RUN_DATE = "2026-11-29"
AS_OF = pd.Timestamp("2025-01-01")

# what each job reads: (table, columns)
READS = {
    "rfm": ("sales", ["customer_id", "order_date", "amount"]),
    "cohort": ("sales", ["customer_id", "order_date", "is_return"]),
    "symptom_cause": ("dispatches", ["symptom_code", "cause_codes"]),
    "sla": ("dispatches", ["ticket_id", "customer_id", "service_level", "reported_at", "arrived_at"]),
    "pairs": ("sales", ["customer_id", "product_id", "is_return", "amount"]),
}


# --- the jobs, one function per engine: (data folder, options) -> result frame ----------------------

def _path(data: Path, job: str) -> Path:
    return data / "processed" / f"{READS[job][0]}.parquet"


def _read(data: Path, job: str) -> pd.DataFrame:
    # the pipeline's reader for large tables: list and text columns stay Arrow (no object per cell)
    from pipeline.processed import read_processed_table

    return read_processed_table(_path(data, job), columns=READS[job][1], list_columns="arrow",
                                text_columns="arrow")


def _ddf(data: Path, job: str):
    import dask.dataframe as dd

    return dd.read_parquet(str(_path(data, job)), columns=READS[job][1])


def _duck():
    import duckdb

    con = duckdb.connect()
    con.execute("PRAGMA threads=2")
    return con


def floor(job, data, opts):
    import pyarrow.parquet as pq

    if job == "clean":
        import csv

        import pyarrow as pa
        import pyarrow.csv as pacsv
        rows = 0
        for path in sorted((data / "raw").glob("*.csv")):
            with open(path, "rb") as fh:
                header = next(csv.reader([fh.readline().decode("utf-8-sig")]))
            rows += pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header})).num_rows
        return pd.DataFrame({"rows": [rows]})
    if job == "clv":
        return None
    return pd.DataFrame({"rows": [pq.read_table(_path(data, job), columns=READS[job][1]).num_rows]})


# rfm ---------------------------------------------------------------------------------------------

def _rfm_finish(per: pd.DataFrame) -> pd.DataFrame:
    """Per customer-day sums (customer_id, day, v) → frequency/recency/T/monetary in weeks."""
    per = per.sort_values(["customer_id", "day"])
    g = per.groupby("customer_id", sort=True, observed=True)
    first, last = g["day"].min(), g["day"].max()
    n = g.size()
    end = per["day"].max()
    first_v = g["v"].first()
    out = pd.DataFrame({"frequency": (n - 1).astype("int64"), "recency": (last - first).dt.days / 7.0,
                        "T": (end - first).dt.days / 7.0,
                        "monetary_value": ((g["v"].sum() - first_v) / (n - 1).where(n > 1)).fillna(0.0)})
    return out.reset_index()


def rfm_pandas(data, opts):
    from pipeline import clv

    return clv.rfm_summary(_read(data, "rfm"), freq="W").reset_index()


def rfm_dask(data, opts):
    ddf = _ddf(data, "rfm")
    ddf = ddf.assign(day=ddf["order_date"].dt.floor("D"), customer_id=ddf["customer_id"].astype(str))
    per = ddf.groupby(["customer_id", "day"])["amount"].sum().compute().rename("v").reset_index()
    return _rfm_finish(per)


def rfm_duckdb(data, opts):
    sql = f"""
    with per as (select customer_id::varchar as customer_id, order_date::date as d, sum(amount) as v
                 from read_parquet('{_path(data, "rfm")}') group by 1, 2),
         e as (select max(d) as e from per)
    select customer_id, count(*) - 1 as frequency, date_diff('day', min(d), max(d)) / 7.0 as recency,
           date_diff('day', min(d), any_value(e.e)) / 7.0 as "T",
           coalesce((sum(v) - arg_min(v, d)) / nullif(count(*) - 1, 0), 0.0) as monetary_value
    from per, e group by customer_id"""
    return _duck().execute(sql).df()


# cohort ------------------------------------------------------------------------------------------

def _month_label(m):
    m = np.asarray(m, dtype="int64")
    return [f"{a}-{b:02d}" for a, b in zip(m // 12, m % 12 + 1)]


def _cohort_finish(retained: pd.DataFrame) -> pd.DataFrame:
    """(cohort month index, period_index, retained) → the contract's cohort_retention columns."""
    sizes = retained[retained["period_index"] == 0].set_index("cohort")["retained"]
    out = retained.assign(customers=retained["cohort"].map(sizes).astype("int64"))
    out["rate"] = out["retained"] / out["customers"]
    out["cohort"] = _month_label(out["cohort"])
    return out[["cohort", "period_index", "customers", "retained", "rate"]]


def cohort_pandas(data, opts):
    from pipeline.analyses.lifecycle import cohort_retention

    return cohort_retention(_read(data, "cohort"), freq="M")


def cohort_dask(data, opts):
    ddf = _ddf(data, "cohort")
    ddf = ddf[~ddf["is_return"]]
    ddf = ddf.assign(customer_id=ddf["customer_id"].astype(str),
                     m=ddf["order_date"].dt.year * 12 + ddf["order_date"].dt.month - 1)
    cm = ddf[["customer_id", "m"]].drop_duplicates()
    first = cm.groupby("customer_id")["m"].min().rename("cohort").to_frame()
    j = cm.merge(first, left_on="customer_id", right_index=True)
    j = j.assign(period_index=j["m"] - j["cohort"])
    retained = j.groupby(["cohort", "period_index"]).size().compute().rename("retained").reset_index()
    return _cohort_finish(retained)


def cohort_duckdb(data, opts):
    sql = f"""
    with cm as (select distinct customer_id::varchar as c, year(order_date) * 12 + month(order_date) - 1 as m
                from read_parquet('{_path(data, "cohort")}') where not is_return),
         f as (select c, min(m) as cohort from cm group by c)
    select cohort, m - cohort as period_index, count(*) as retained from cm join f using (c) group by all"""
    return _cohort_finish(_duck().execute(sql).df())


# symptom × cause ---------------------------------------------------------------------------------

def symptom_cause_pandas(data, opts):
    from pipeline.analyses.service import cause_given_symptom

    t = cause_given_symptom(_read(data, "symptom_cause"), keep_unseen=False)
    return t[["symptom_code", "cause_code", "dispatches"]]


def symptom_cause_dask(data, opts):
    ddf = _ddf(data, "symptom_cause")

    def explode(p):
        e = p.assign(symptom_code=p["symptom_code"].astype(str)).reset_index(drop=True)
        e = e.explode("cause_codes").dropna(subset=["cause_codes"]).rename(columns={"cause_codes": "cause_code"})
        e = e.assign(cause_code=e["cause_code"].astype(str), row=e.index)
        e = e.drop_duplicates(["row", "cause_code"])                          # repeats within a cell once
        return e[["symptom_code", "cause_code"]]

    long = ddf.map_partitions(explode, meta={"symptom_code": object, "cause_code": object})
    return long.groupby(["symptom_code", "cause_code"]).size().compute().rename("dispatches").reset_index()


def symptom_cause_duckdb(data, opts):
    sql = f"""
    select symptom_code::varchar as symptom_code, c as cause_code, count(*) as dispatches
    from (select symptom_code, unnest(list_distinct(cause_codes)) as c
          from read_parquet('{_path(data, "symptom_cause")}') where symptom_code is not null)
    group by all"""
    return _duck().execute(sql).df()


# SLA ---------------------------------------------------------------------------------------------

def sla_pandas(data, opts):
    from pipeline.analyses.service.sla import sla_flags

    f = sla_flags(_read(data, "sla"), as_of=AS_OF)
    return f[["ticket_id", "response_hours", "breached"]]


def sla_dask(data, opts):
    from pipeline.analyses.service.sla import sla_flags

    ddf = _ddf(data, "sla")
    meta = sla_flags(ddf._meta_nonempty, as_of=AS_OF).iloc[:0]
    f = ddf.map_partitions(sla_flags, as_of=AS_OF, meta=meta)
    return f[["ticket_id", "response_hours", "breached"]].compute()


def sla_duckdb(data, opts):
    # pipeline.sla's clocks in SQL, for its default targets and no holidays: 5x9 is due at 18:00 of
    # the business day after the call is received (a call outside Mon–Fri 09:00–18:00 is received
    # at the next opening) and measured in business hours; 7x24x8/4 in wall-clock hours
    con = _duck()
    con.execute("create macro wk(x) as least(x, 5) + greatest(least(x - 7, 5), 0)")   # weekdays in [0, x)
    con.execute("""create macro busdays(s, e) as case when e >= s
        then (datediff('day', s, e) // 7) * 5 + wk(isodow(s) - 1 + datediff('day', s, e) % 7) - wk(isodow(s) - 1)
        else -((datediff('day', e, s) // 7) * 5 + wk(isodow(e) - 1 + datediff('day', e, s) % 7) - wk(isodow(e) - 1))
        end""")
    con.execute("create macro part(d, h) as case when isodow(d) <= 5 then least(greatest(h - 9, 0), 9) else 0 end")
    con.execute("create macro next_bus(d) as d + case isodow(d) when 5 then 3 when 6 then 2 else 1 end")
    con.execute("create macro roll_bus(d) as d + case isodow(d) when 6 then 2 when 7 then 1 else 0 end")
    sql = f"""
    with t as (
        select ticket_id::varchar as ticket_id, service_level::varchar as level, reported_at as r,
               case when arrived_at <= timestamp '{AS_OF}' then arrived_at end as a
        from read_parquet('{_path(data, "sla")}')),
    h as (
        select *, r::date as rd, (epoch_us(r) - epoch_us(date_trunc('day', r))) / 3.6e9 as rh,
               a::date as ad, (epoch_us(a) - epoch_us(date_trunc('day', a))) / 3.6e9 as ah from t),
    dl as (
        select *, case level
            when '5x9' then next_bus(case when isodow(rd) > 5 then roll_bus(rd)
                                          when rh >= 18 then next_bus(rd) else rd end)::timestamp + interval 18 hour
            when '7x24x8' then r + interval 8 hour
            when '7x24x4' then r + interval 4 hour end as deadline
        from h)
    select ticket_id,
           case when level = '5x9' then 9 * busdays(rd, ad) + part(ad, ah) - part(rd, rh)
                else (epoch_us(a) - epoch_us(r)) / 3.6e9 end as response_hours,
           case when a is not null and deadline is not null then a > deadline
                when a is null and deadline is not null and deadline < timestamp '{AS_OF}' then true end as breached
    from dl"""
    return con.execute(sql).df()


# co-purchase pairs ---------------------------------------------------------------------------------

def pairs_pandas(data, opts):
    from pipeline.analyses.lifecycle.crosssell import pair_table

    t = pair_table(_read(data, "pairs"))
    return t[["product_a", "product_b", "customers"]]


def pairs_dask(data, opts):
    ddf = _ddf(data, "pairs")
    ddf = ddf[~ddf["is_return"] & (ddf["amount"] > 0) & ~ddf["product_id"].isna()]
    b = ddf.assign(customer_id=ddf["customer_id"].astype(str), product_id=ddf["product_id"].astype(str))[
        ["customer_id", "product_id"]].drop_duplicates()
    pairs = b.merge(b, on="customer_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["product_id_a"] != pairs["product_id_b"]]
    out = pairs.groupby(["product_id_a", "product_id_b"]).size().compute().rename("customers").reset_index()
    return out.rename(columns={"product_id_a": "product_a", "product_id_b": "product_b"})


def pairs_duckdb(data, opts):
    sql = f"""
    with b as (select distinct customer_id::varchar as c, product_id::varchar as p
               from read_parquet('{_path(data, "pairs")}')
               where not is_return and amount > 0 and product_id is not null)
    select x.p as product_a, y.p as product_b, count(*) as customers
    from b x join b y on x.c = y.c and x.p <> y.p group by all"""
    return _duck().execute(sql).df()


# BG/NBD + Gamma-Gamma --------------------------------------------------------------------------------

def _clv_data(opts):
    from benchmarks.bench_clv import simulate

    return simulate(opts["customers"])


def clv_pandas(data, opts, summary=None):
    from pipeline import clv

    bg = clv.BetaGeo().fit(summary)
    gg = clv.GammaGamma().fit(summary)
    return pd.DataFrame({"parameter": [*bg.params_, *gg.params_],
                         "estimate": [*bg.params_.values(), *gg.params_.values()]})


def clv_lifetimes(data, opts, summary=None):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter, GammaGammaFitter

        bg = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        rep = summary[summary["frequency"] > 0]
        gg = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    params = {**bg.params_.to_dict(), **gg.params_.to_dict()}
    return pd.DataFrame({"parameter": list(params), "estimate": list(params.values())})


# clean ------------------------------------------------------------------------------------------------

def clean_pandas(data, opts, engine="pandas"):
    import tempfile

    from pipeline.clean import clean

    # with a fresh cache folder, as `make report` runs it (processed/.cache): each file's part goes to
    # disk as it is cleaned; write_processed copies the parts from there (the child removes it after)
    opts["_cache"] = tempfile.mkdtemp(prefix="bench_clean_cache.")
    result = clean(data / "raw", run_date=RUN_DATE, engine=opts.get("_engine") or engine,
                   cache_dir=Path(opts["_cache"]))
    opts["_manifest"] = result.manifest
    return result


# What an analyst who reached for DuckDB instead would write for the generated exports: every cell read as
# text, dates parsed in the formats the exports use, numbers cast, text trimmed, a row without its id or
# date dropped, one row kept per key (the first in file order), the table sorted as the pipeline sorts
# it, and materialised in DuckDB's memory. It does much less than `clean` (no row-level reasons, no
# Traditional/Simplified or full-width normalising, no level or symptom rules, no customer resolution,
# no validation), so the ratio against it flatters DuckDB.
# every cell as text, the rows numbered in file order
_DUCK_READ = """WITH raw AS (
  SELECT *, row_number() OVER () AS source_row
  FROM read_csv({files}, header=true, all_varchar=true, filename=true)),"""
_DUCK_SALES = """
CREATE OR REPLACE TABLE sales AS
""" + _DUCK_READ + """
typed AS (
  SELECT trim("Order No") AS order_id, try_cast(trim("Line") AS BIGINT) AS line_no,
         try_strptime(trim("Order Date"), ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d', '%Y/%m/%d', '%Y.%m.%d']) AS order_date,
         trim("Customer No") AS customer_id, trim("Customer") AS customer_name,
         trim("Product Code") AS product_id, trim("Product") AS product_name, trim("Category") AS product_category,
         try_cast(replace(trim("Qty"), ',', '') AS DOUBLE) AS quantity,
         try_cast(replace(trim("Unit Price"), ',', '') AS DOUBLE) AS unit_price,
         try_cast(replace(trim("Discount"), ',', '') AS DOUBLE) AS discount,
         try_cast(replace(trim("Amount"), ',', '') AS DOUBLE) AS amount,
         trim("Currency") AS currency, trim("Channel") AS channel,
         starts_with(trim("Order No"), 'C') AS is_return, filename AS source_file, source_row
  FROM raw)
SELECT * FROM typed
WHERE order_id <> '' AND order_date IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY order_id, line_no ORDER BY source_file, source_row) = 1
ORDER BY order_date, order_id, line_no, source_file, source_row
"""
_DUCK_DISPATCHES = """
CREATE OR REPLACE TABLE dispatches AS
""" + _DUCK_READ + """
typed AS (
  SELECT trim("派單號") AS ticket_id,
         try_strptime(trim("報修時間"), {formats}) AS reported_at,
         try_strptime(trim("到場時間"), {formats}) AS arrived_at,
         try_strptime(trim("完成時間"), {formats}) AS closed_at,
         trim("客戶名稱") AS customer_name, trim("服務級別") AS service_level, trim("機型") AS machine,
         trim("序列號") AS serial, trim("故障現象") AS symptom_text, trim("故障原因") AS cause_text,
         trim("CAG預判原因") AS predicted_cause_text, string_split_regex(trim("寄送備件"), '[+,、/]') AS parts_sent,
         string_split_regex(trim("使用備件"), '[+,、/]') AS parts_used, try_cast(trim("上門次數") AS BIGINT) AS visits,
         trim("工程師") AS engineer, trim("分公司") AS branch, filename AS source_file, source_row
  FROM raw)
SELECT * FROM typed
WHERE ticket_id <> '' AND reported_at IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY source_file, source_row) = 1
ORDER BY reported_at, ticket_id, source_file, source_row
"""
_DUCK_DATE_TIMES = "['%Y-%m-%d %H:%M:%S', '%Y.%m.%d %H:%M', '%Y年%m月%d日 %H:%M', '%Y/%m/%d %H:%M', '%Y-%m-%d %H:%M']"


def clean_duckdb(data, opts):
    con = _duck()
    csvs = sorted((data / "raw").glob("*.csv"))
    for table, sql in (("sales", _DUCK_SALES), ("dispatches", _DUCK_DISPATCHES)):
        files = [str(p) for p in csvs if p.name.startswith(table)]
        if files:
            con.execute(sql.format(files=_sql_list(files), formats=_DUCK_DATE_TIMES))
    opts["_duck"] = con      # rows read and kept are counted after the clock stops (_duck_counts)
    return None


def _sql_list(items) -> str:
    return "[" + ", ".join("'" + str(i).replace("'", "''") + "'" for i in items) + "]"


def _duck_counts(data, opts) -> pd.DataFrame:
    con = opts.pop("_duck")
    csvs = sorted((data / "raw").glob("*.csv"))
    rows = con.execute(f"SELECT count(*) FROM read_csv({_sql_list(csvs)}, header=true, all_varchar=true, "
                       "union_by_name=true)").fetchone()[0]
    kept = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("sales", "dispatches")
            if con.execute(f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{t}'").fetchone()[0]}
    return pd.DataFrame({"rows": [rows], **{f"kept_{t}": [n] for t, n in kept.items()}})


# --- the child: one (job, engine) measurement ---------------------------------------------------------

# the modules each job's code imports, loaded before its clock starts: the times exclude imports
PRELOAD = {"rfm": ["pipeline.clv"], "cohort": ["pipeline.lifecycle"], "symptom_cause": ["pipeline.service"],
           "sla": ["pipeline.sla"], "pairs": ["pipeline.crosssell"], "clv": ["pipeline.clv"],
           "clean": ["pipeline.clean"]}


def _preload(job: str, engine: str) -> None:
    import importlib

    names = ["pyarrow.parquet", "pyarrow.csv", "pyarrow.compute", "pandas.io.parquet", *PRELOAD.get(job, [])]
    if engine == "duckdb":
        names.append("duckdb")
    if engine == "lifetimes":
        names.append("lifetimes")
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:          # lifetimes / duckdb may be absent; the job reports that itself
            pass


def child(job: str, engine: str, data: Path, result_path: Path, opts: dict) -> dict:
    import dask

    dask.config.set({"dataframe.convert-string": False})
    info = {}
    summary = None
    if job == "clv":
        summary = _clv_data(opts)
    cluster = None
    if engine == "dask":
        from pipeline.clean.engine import open_engine
        started = time.perf_counter()
        cluster = open_engine("dask")
        eng = cluster.__enter__()
        info["cluster_start_s"] = time.perf_counter() - started
        if job != "clean":
            eng.client.as_current().__enter__()
        else:
            opts["_engine"] = eng
    _preload(job, engine)
    try:
        started = time.perf_counter()
        if engine == "floor":
            result = floor(job, data, opts)
        elif job == "clean":
            result = clean_duckdb(data, opts) if engine == "duckdb" else clean_pandas(data, opts)
        elif job == "clv":
            result = {"pandas": clv_pandas, "lifetimes": clv_lifetimes}[engine](data, opts, summary)
        else:
            result = globals()[f"{job}_{engine}"](data, opts)
        info["seconds"] = time.perf_counter() - started
        if job == "clean" and engine == "duckdb":
            result = _duck_counts(data, opts)
            info["duck_kept"] = {c[5:]: int(result[c].iloc[0]) for c in result.columns if c.startswith("kept_")}
    finally:
        if cluster is not None:
            cluster.__exit__(None, None, None)
    if job == "clean" and engine in ("pandas", "dask"):
        m = opts["_manifest"]
        info["rows"] = sum(f["rows_read"] for f in m["files"])
        info["accounting"] = [{k: f[k] for k in ("path", "rows_read", "rows_kept", "rows_rejected", "duplicates")}
                              for f in m["files"]]
        info["stages"] = m.get("stages")
        info["kept"] = {t: n for t, n in m.get("tables", {}).items() if t in ("sales", "dispatches")}
        # the rest of the pipeline's first step: the processed tables written as `make report` writes
        # them (the peak memory covers it; the seconds above do not), and compared from there
        from pipeline.processed import write_processed

        started = time.perf_counter()
        write_processed(result, result_path.with_suffix(".processed"))
        info["write_s"] = time.perf_counter() - started
        import shutil

        shutil.rmtree(opts["_cache"], ignore_errors=True)
    elif result is not None:
        result.to_parquet(result_path, index=False)
    return info


# --- the parent --------------------------------------------------------------------------------------

def measure(job: str, engine: str, data: Path, work: Path, opts: dict) -> dict:
    import psutil

    result_path = work / f"{job}.{engine}.parquet"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", job, engine, str(data), str(result_path),
           json.dumps(opts)]
    out_file = work / f"{job}.{engine}.out"
    with open(out_file, "w") as out, open(work / f"{job}.{engine}.err", "w") as err:
        proc = psutil.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        peak = 0
        while proc.poll() is None:
            try:
                procs = [proc, *proc.children(recursive=True)]
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, rss)
            except psutil.Error:
                pass
            if peak > opts.get("memory_limit_gb", 16) * 2**30:
                # the machine is shared: stop a run before it pushes others into swap or the OOM killer
                for p in [*proc.children(recursive=True), proc]:
                    try:
                        p.kill()
                    except psutil.Error:
                        pass
                proc.wait()
                return {"error": f"stopped: its memory passed {opts.get('memory_limit_gb', 16)} GiB"}
            time.sleep(0.02)
    if proc.returncode:
        tail = (work / f"{job}.{engine}.err").read_text()[-1500:]
        return {"error": f"exit {proc.returncode}: {tail}"}
    info = json.loads(out_file.read_text().strip().splitlines()[-1])
    info["peak_mb"] = peak / 2**20
    info["result"] = str(result_path)
    return info


def _median_run(runs: list[dict]) -> dict:
    """Of repeated runs: the run with the median time (its result is compared), the largest peak
    memory of all, and every time (``all_seconds``). A failed run fails the measurement."""
    for r in runs:
        if "error" in r:
            return r
    ordered = sorted(runs, key=lambda r: r["seconds"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["peak_mb"] = max(r["peak_mb"] for r in runs)
    chosen["all_seconds"] = [round(r["seconds"], 3) for r in runs]
    return chosen


def _normalise(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    f = frame.copy()
    for k in keys:
        f[k] = f[k].astype(str)
    for c in f.columns:
        if str(f[c].dtype) in ("boolean", "bool"):
            f[c] = f[c].astype("float64")
        elif pd.api.types.is_integer_dtype(f[c].dtype):
            f[c] = f[c].astype("int64")
    return f.sort_values(keys).reset_index(drop=True)


KEYS = {"rfm": ["customer_id"], "cohort": ["cohort", "period_index"], "symptom_cause": ["symptom_code", "cause_code"],
        "sla": ["ticket_id"], "pairs": ["product_a", "product_b"], "clv": ["parameter"], "clean": ["rows"]}


def same(job: str, base: dict, other: dict) -> str:
    """'yes', or what differs."""
    try:
        if job == "clean":
            if "accounting" in other:
                if other["accounting"] != base["accounting"]:
                    return "no: accounting differs"
                lists = ["cause_codes", "parts_sent", "parts_used"]
                for t in ("sales", "dispatches"):
                    a, b = (pd.read_parquet(Path(r["result"]).with_suffix(".processed") / f"{t}.parquet")
                            for r in (base, other))
                    pd.testing.assert_frame_equal(a.drop(columns=lists, errors="ignore"),
                                                  b.drop(columns=lists, errors="ignore"), obj=t)
                    for col in lists:
                        if col in a and [list(v) for v in a[col]] != [list(v) for v in b[col]]:
                            return f"no: {t}.{col} differs"
                return "yes"
            rows = pd.read_parquet(other["result"])["rows"].iloc[0]
            return "rows=" + ("yes" if rows == base["rows"] else f"no ({rows} vs {base['rows']})")
        a = _normalise(pd.read_parquet(base["result"]), KEYS[job])
        b = _normalise(pd.read_parquet(other["result"]), KEYS[job])
        if job == "clv":
            a, b = a.set_index("parameter"), b.set_index("parameter")
            diff = (a["estimate"] - b.loc[a.index, "estimate"]).abs() / a["estimate"].abs()
            return "yes" if diff.max() < 1e-3 else f"~ (max rel diff {diff.max():.1e})"
        if "rows" in b.columns and len(b.columns) == 1:
            return ""
        pd.testing.assert_frame_equal(a[b.columns], b, check_dtype=False, rtol=1e-9, check_exact=False)
        return "yes"
    except AssertionError as exc:
        return "NO: " + " ".join(str(exc).split())[:160]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sales", type=int, default=1_000_000)
    ap.add_argument("--dispatches", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=1_000_000, help="simulated customers for the clv job")
    ap.add_argument("--jobs", default=",".join(JOBS))
    ap.add_argument("--skip", default="", help="jobs to leave out, comma-separated")
    ap.add_argument("--json", type=Path, default=None, help="also write the measurements here")
    ap.add_argument("--engines", default="", help="only these engines (comma-separated; pandas always runs)")
    ap.add_argument("--memory-limit-gb", type=float, default=16.0,
                    help="stop a run whose processes together pass this resident memory")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each job and engine this many times (alternating engines); report the median "
                         "time and the largest peak memory. A shared machine's noise is of the order of 2x.")
    ap.add_argument("--child", nargs=5, metavar=("JOB", "ENGINE", "DATA", "RESULT", "OPTS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        job, engine, data, result, opts = args.child
        info = child(job, engine, Path(data), Path(result), json.loads(opts))
        print(json.dumps(info, default=str))
        return 0

    from benchmarks.generate import ensure

    jobs = [j for j in args.jobs.split(",") if j and j not in set(args.skip.split(","))]
    data = ensure(args.sales, args.dispatches, raw="clean" in jobs)
    opts = {"customers": args.customers, "memory_limit_gb": args.memory_limit_gb}
    print(f"# {args.sales:,} sales lines, {args.dispatches:,} dispatches, {args.customers:,} clv customers; "
          f"{os.cpu_count()} cores; pandas {pd.__version__}")
    rows = []
    measured = {}
    with tempfile.TemporaryDirectory(prefix="bench_jobs.") as tmp:
        work = Path(tmp)
        for job in jobs:
            engines = ["pandas", "lifetimes"] if job == "clv" else ENGINES
            if args.engines:
                engines = [e for e in engines if e == "pandas" or e in args.engines.split(",")]
            got = {}
            runs: dict[str, list[dict]] = {e: [] for e in engines}
            for _ in range(max(1, args.repeat)):
                for engine in engines:
                    runs[engine].append(measure(job, engine, data, work, opts))
            for engine in engines:
                got[engine] = _median_run(runs[engine])
                g = got[engine]
                print(f"  {job:<14}{engine:<10}" + (f"{g['seconds']:8.2f} s  peak {g['peak_mb']:7,.0f} MB"
                                                    if "seconds" in g else g["error"][-300:]), file=sys.stderr,
                      flush=True)
            base = got["pandas"]
            row = {"job": job}
            for engine, g in got.items():
                row[f"{engine}_s"] = g.get("seconds")
                row[f"{engine}_all_s"] = g.get("all_seconds")          # every run, when --repeat
                row[f"{engine}_mb"] = g.get("peak_mb")
                if "error" in g:
                    row[f"{engine}_error"] = g["error"][-300:]
                if engine != "pandas" and "seconds" in g and "seconds" in base and engine != "floor":
                    row[f"{engine}_equal"] = same(job, base, g)
                if "cluster_start_s" in g:
                    row["dask_cluster_start_s"] = g["cluster_start_s"]
            if job == "clean" and "stages" in base:
                row["stages"] = base["stages"]
                row["pandas_write_s"] = base.get("write_s")
                row["pandas_kept"] = base.get("kept")
                row["duckdb_kept"] = got.get("duckdb", {}).get("duck_kept")
            rows.append(row)
            measured[job] = got
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    return 0


def _f(v, fmt="{:.2f}"):
    return fmt.format(v) if isinstance(v, (int, float)) and v == v else "-"


def print_table(rows: list[dict]) -> None:
    print()
    head = (f"{'job':<14}{'pandas s':>9}{'dask s':>9}{'duckdb s':>9}{'floor s':>9}{'pd/duck':>8}{'pd/floor':>9}"
            f"{'pd MB':>8}{'dask MB':>8}{'duck MB':>8}  equal (dask; duckdb)")
    print(head)
    print("-" * len(head))
    for r in rows:
        pd_s, duck = r.get("pandas_s"), r.get("duckdb_s") or r.get("lifetimes_s")
        fl = r.get("floor_s")
        ratio = _f(pd_s / duck, "{:.1f}x") if pd_s and duck else "-"
        fratio = _f(pd_s / fl, "{:.1f}x") if pd_s and fl else "-"
        eq = "; ".join(str(r.get(f"{e}_equal", "-")) for e in ("dask", "duckdb" if r["job"] != "clv" else "lifetimes"))
        print(f"{r['job']:<14}{_f(pd_s):>9}{_f(r.get('dask_s')):>9}{_f(duck):>9}{_f(fl):>9}{ratio:>8}{fratio:>9}"
              f"{_f(r.get('pandas_mb'), '{:,.0f}'):>8}{_f(r.get('dask_mb'), '{:,.0f}'):>8}"
              f"{_f(r.get('duckdb_mb') or r.get('lifetimes_mb'), '{:,.0f}'):>8}  {eq}")
    for r in rows:
        for key, value in r.items():
            if key.endswith("_error"):
                print(f"{r['job']} on {key.removesuffix('_error')}: {value}")
    starts = [r["dask_cluster_start_s"] for r in rows if r.get("dask_cluster_start_s")]
    if starts:
        print(f"\nDask: local cluster (2 worker processes x 1 thread) started in {np.median(starts):.1f} s, not "
              f"counted above. clv: the 'duckdb' columns are lifetimes (the tool users would pick), no Dask.")
    for r in rows:
        if r.get("stages"):
            from pipeline.runtime.progress import format_stages
            print("\nclean on pandas, per stage:\n" + format_stages(r["stages"]))
            if r.get("pandas_write_s"):
                print(f"then write_processed: {r['pandas_write_s']:.2f} s "
                      "(not in the seconds above; in the peak memory)")
            if r.get("duckdb_kept"):
                print(f"rows kept: pandas {r.get('pandas_kept')}, DuckDB {r['duckdb_kept']} (DuckDB's SQL checks less, "
                      f"so keeps rows the pipeline rejects)")


if __name__ == "__main__":
    raise SystemExit(main())
