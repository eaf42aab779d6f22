"""Benchmark: every customer-base model's fit and predictions on simulated customers, ours vs lifetimes.

    .venv/bin/python benchmarks/bench_clv.py                                   # 1,000,000 customers, ours only
    .venv/bin/python benchmarks/bench_clv.py --lifetimes-python /tmp/ltv/bin/python   # and lifetimes 0.11.3
    .venv/bin/python benchmarks/bench_clv.py --customers 20000 --lifetimes-python ... # quick run
    .venv/bin/python benchmarks/bench_clv.py --pymc-python /tmp/pymc/bin/python     # and PyMC-Marketing's MAP

lifetimes is not a dependency of Aftercare: it runs in its own interpreter (a virtualenv with
``pip install lifetimes==0.11.3``), on the same arrays, written to a temporary .npz file. Without
``--lifetimes-python`` the script tries ``import lifetimes`` in this interpreter.

Data: customers are simulated from BG/NBD (CDNOW-like parameters r=0.243, alpha=4.414, a=0.793, b=2.426,
time in weeks) with first purchases spread over the first 12 weeks and a 39-week window, times at day
resolution (recency and T = whole days / 7, as rfm_summary produces them); spend per transaction
Gamma-Gamma (p=6.25, q=3.74, v=15.44), rounded to cents. BG/NBD, MBG/NBD and Pareto/NBD are fitted on these
customers, Gamma-Gamma on the repeat buyers, BG/BB on as many customers simulated from it (Fader, Hardie &
Shang's donation estimates, 6 opportunities). Predictions: P(alive) and the expected purchases in the
next 10 weeks (BG/BB: the next 5 opportunities) for every customer. Each library is called the way its
documentation shows (lifetimes: one row per customer; ours aggregates to distinct rows internally).
Targets (issues 6, 9, 18): ours >= 20x faster than lifetimes in total, each estimate within 1e-4 of
lifetimes' (absolute or relative), where lifetimes converges.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

TRUE_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
TRUE_GG = {"p": 6.25, "q": 3.74, "v": 15.44}
TRUE_BGBB = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
TARGET = 20.0   # required speed-up over lifetimes, all fits together
TOL = 1e-4      # required agreement of each estimate with lifetimes'
HORIZON = 10.0  # weeks (BG/BB: opportunities, 5)

# model: (lifetimes class, our class, the data's columns, the parameter names)
MODELS = {
    "BG/NBD": ("BetaGeoFitter", "BetaGeo", ("frequency", "recency", "T")),
    "MBG/NBD": ("ModifiedBetaGeoFitter", "ModifiedBetaGeo", ("frequency", "recency", "T")),
    "Pareto/NBD": ("ParetoNBDFitter", "ParetoNBD", ("frequency", "recency", "T")),
    "Gamma-Gamma": ("GammaGammaFitter", "GammaGamma", ("frequency", "monetary_value")),
    "BG/BB": ("BetaGeoBetaBinomFitter", "BetaGeoBetaBinom", ("frequency", "recency", "n_periods")),
}


def simulate(n: int, seed: int = 20240601, acquisition_weeks: int = 12, end_week: int = 39) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE_BG["r"], 1.0 / TRUE_BG["alpha"], n)          # purchases per week
    p = rng.beta(TRUE_BG["a"], TRUE_BG["b"], n)                        # dropout prob after a purchase
    first_day = rng.integers(0, acquisition_weeks * 7, n)
    T_days = end_week * 7 - first_day
    T = T_days / 7.0
    x = np.zeros(n, dtype=np.int64)
    last_day = np.zeros(n, dtype=np.int64)
    t = np.zeros(n)
    idx = np.arange(n)
    # vectorised over the customers still alive and inside their window
    while idx.size:
        t[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        inside = t[idx] * 7.0 < T_days[idx] + 1          # still within the last observed day
        idx = idx[inside]
        day = np.floor(t[idx] * 7.0).astype(np.int64)
        x[idx] += 1
        last_day[idx] = day
        idx = idx[rng.random(idx.size) >= p[idx]]                       # dropout right after a purchase
    recency = last_day / 7.0
    nu = rng.gamma(TRUE_GG["q"], 1.0 / TRUE_GG["v"], n)
    xs = np.maximum(x, 1)
    zbar = rng.gamma(TRUE_GG["p"] * xs, 1.0 / (nu * xs))
    zbar = np.where(x > 0, np.maximum(np.round(zbar, 2), 0.01), 0.0)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": T, "monetary_value": zbar})


def datasets(n: int, seed: int) -> dict[str, pd.DataFrame]:
    """The data each model is fitted on, as columns of arrays."""
    from pipeline import clv
    customers = simulate(n, seed)
    repeat = customers[customers["frequency"] > 0]
    discrete = clv.beta_geometric_beta_binom_model(6, *TRUE_BGBB.values(), size=n, seed=seed)
    out = {}
    for model, (_, _, columns) in MODELS.items():
        frame = repeat if model == "Gamma-Gamma" else discrete if model == "BG/BB" else customers
        out[model] = frame[list(columns)].reset_index(drop=True)
    return out


def _predict(model_name: str, m, d: pd.DataFrame):
    """P(alive) and expected purchases over the horizon for every customer (lifetimes' calls)."""
    if model_name == "Gamma-Gamma":
        return (np.asarray(m.conditional_expected_average_profit(d["frequency"], d["monetary_value"])),)
    if model_name == "BG/BB":
        args = (d["frequency"], d["recency"], d["n_periods"])
        return (np.asarray(m.conditional_probability_alive(0, *args)),
                np.asarray(m.conditional_expected_number_of_purchases_up_to_time(5, *args)))
    args = (d["frequency"], d["recency"], d["T"])
    return (np.asarray(m.conditional_probability_alive(*args)),
            np.asarray(m.conditional_expected_number_of_purchases_up_to_time(HORIZON, *args)))


def run(library, data: dict[str, pd.DataFrame], which: str) -> dict:
    """Fit and predict every model with `library` (our pipeline.clv or lifetimes): seconds and estimates."""
    results = {}
    for model_name, (lt_class, our_class, columns) in MODELS.items():
        d = data[model_name]
        cls = getattr(library, lt_class if which == "lifetimes" else our_class)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                m = cls().fit(*(d[c] for c in columns))
                t_fit = time.perf_counter() - t0
                t0 = time.perf_counter()
                predictions = _predict(model_name, m, d)
                t_predict = time.perf_counter() - t0
            params = {k: float(v) for k, v in dict(m.params_).items()}
            results[model_name] = {"fit_s": t_fit, "predict_s": t_predict, "params": params,
                                   "prediction_means": [float(np.nanmean(p)) for p in predictions]}
        except Exception as e:  # noqa: BLE001 - lifetimes may break on current pandas/numpy: report it
            results[model_name] = {"error": f"{type(e).__name__}: {e}"}
    return results


def in_interpreter(python: str, library: str, data: dict[str, pd.DataFrame]) -> tuple[dict | None, str]:
    """Run :func:`worker` for `library` in another interpreter on the same arrays (a temporary .npz)."""
    with tempfile.TemporaryDirectory() as tmp:
        arrays = {f"{m}|{c}": data[m][c].to_numpy() for m in data for c in data[m].columns}
        np.savez(Path(tmp) / "data.npz", **arrays)
        out = subprocess.run([python, __file__, "--worker", str(Path(tmp) / "data.npz"), "--worker-library", library],
                             capture_output=True, text=True)
        if out.returncode != 0:
            return None, f"{library} worker failed: {out.stderr.strip().splitlines()[-1:]}"
        return json.loads(out.stdout.strip().splitlines()[-1]), ""


def lifetimes_results(data: dict[str, pd.DataFrame], python: str | None) -> tuple[dict | None, str]:
    if python is None:
        try:
            import lifetimes
        except ImportError as e:
            return None, f"lifetimes not importable ({e}); pass --lifetimes-python"
        return run(lifetimes, data, "lifetimes"), ""
    return in_interpreter(python, "lifetimes", data)


# PyMC-Marketing's classes and their parameters; flat priors make the MAP estimate the maximum-likelihood one
PYMC_MODELS = {
    "BG/NBD": ("BetaGeoModel", ("a", "b", "alpha", "r")),
    "MBG/NBD": ("ModifiedBetaGeoModel", ("a", "b", "alpha", "r")),
    "Pareto/NBD": ("ParetoNBDModel", ("r", "alpha", "s", "beta")),
    "Gamma-Gamma": ("GammaGammaModel", ("p", "q", "v")),
    "BG/BB": ("BetaGeoBetaBinomModel", ("alpha", "beta", "gamma", "delta")),
}


def run_pymc(data: dict[str, pd.DataFrame]) -> dict:
    """PyMC-Marketing's MAP fit of each model (flat priors), in its interpreter: seconds and estimates."""
    import pymc_marketing.clv as pmc
    from pymc_extras.prior import Prior
    results = {}
    for model_name, (cls_name, names) in PYMC_MODELS.items():
        d = data[model_name].copy()
        if model_name == "BG/BB":
            d = d.rename(columns={"n_periods": "T"})
        d.insert(0, "customer_id", np.arange(len(d)))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                m = getattr(pmc, cls_name)(data=d, model_config={k: Prior("HalfFlat") for k in names})
                m.fit(method="map", progressbar=False)
                t_fit = time.perf_counter() - t0
            # the posterior of a MAP fit is the point estimate, at full precision (fit_summary rounds to 3 places)
            posterior = m.idata.posterior
            results[model_name] = {"fit_s": t_fit, "params": {k: float(np.ravel(posterior[k].values)[0])
                                                              for k in names}}
        except Exception as e:  # noqa: BLE001 - a model PyMC-Marketing cannot fit here is reported, not fatal
            results[model_name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"}
    return results


def worker(path: str, library: str = "lifetimes") -> int:
    """Run in lifetimes' (or PyMC-Marketing's) interpreter: fit every model on the saved arrays, print the
    results as JSON."""
    loaded = np.load(path)
    data: dict[str, dict] = {}
    for key in loaded.files:
        model, column = key.split("|")
        data.setdefault(model, {})[column] = loaded[key]
    frames = {m: pd.DataFrame(c) for m, c in data.items()}
    if library == "pymc":
        print(json.dumps(run_pymc(frames)))
        return 0
    import lifetimes
    print(json.dumps(run(lifetimes, frames, "lifetimes")))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--lifetimes-python", help="an interpreter with lifetimes 0.11.3 installed")
    ap.add_argument("--no-lifetimes", action="store_true", help="skip the lifetimes comparison")
    ap.add_argument("--pymc-python", help="an interpreter with pymc-marketing installed (its MAP fits, flat priors)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--worker-library", default="lifetimes", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.worker_library)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from pipeline import clv

    t0 = time.perf_counter()
    data = datasets(args.customers, args.seed)
    bg_rows = len(data["BG/NBD"].drop_duplicates())
    print(f"simulated {args.customers:,} customers in {time.perf_counter() - t0:.1f}s: "
          f"{len(data['Gamma-Gamma']):,} repeat buyers, {bg_rows:,} distinct (frequency, recency, T) rows")
    ours = run(clv, data, "ours")
    lt, note = (None, "lifetimes comparison skipped (--no-lifetimes)") if args.no_lifetimes else \
        lifetimes_results(data, args.lifetimes_python)

    print(f"\n{'model':<13}{'fit ours (s)':>13}{'lifetimes':>11}{'x':>7}{'predict ours':>14}{'lifetimes':>11}"
          f"{'x':>7}  max diff of estimates")
    total_ours = total_lt = 0.0
    agree_all = True
    for model_name, r in ours.items():
        other = (lt or {}).get(model_name, {})
        line = f"{model_name:<13}{r['fit_s']:13.3f}"
        if lt is None:
            total_ours += r["fit_s"] + r["predict_s"]
        if "fit_s" in other:
            total_ours += r["fit_s"] + r["predict_s"]
            total_lt += other["fit_s"] + other["predict_s"]
            diffs = {k: min(abs(r["params"][k] - v), abs(r["params"][k] - v) / max(abs(v), 1e-300))
                     for k, v in other["params"].items()}
            worst = max(diffs, key=diffs.get)
            agree = diffs[worst] <= TOL
            agree_all &= agree
            line += (f"{other['fit_s']:11.2f}{other['fit_s'] / r['fit_s']:7.0f}{r['predict_s']:14.3f}"
                     f"{other['predict_s']:11.2f}{other['predict_s'] / r['predict_s']:7.0f}  "
                     f"{diffs[worst]:.1e} ({worst}){'' if agree else ' NOT within 1e-4'}")
        else:
            line += f"{'-':>11}{'-':>7}{r['predict_s']:14.3f}{'-':>11}{'-':>7}  {other.get('error', '')}"
        print(line)
        print(f"{'':<13}ours: " + ", ".join(f"{k}={v:.4f}" for k, v in r["params"].items())
              + ("   lifetimes: " + ", ".join(f"{k}={v:.4f}" for k, v in other["params"].items())
                 if "params" in other else ""))
    if args.pymc_python:
        pm, pm_note = in_interpreter(args.pymc_python, "pymc", data)
        print(f"\nPyMC-Marketing MAP fits (flat priors, so the estimates are maximum likelihood): {pm_note}")
        for model_name, r in (pm or {}).items():
            ours_r = ours[model_name]
            if "fit_s" not in r:
                print(f"  {model_name:<13}{r.get('error', '')}")
                continue
            diff = max(min(abs(ours_r["params"][k] - v), abs(ours_r["params"][k] - v) / max(abs(v), 1e-300))
                       for k, v in r["params"].items())
            print(f"  {model_name:<13}fit {r['fit_s']:8.2f}s against ours {ours_r['fit_s']:.3f}s "
                  f"({r['fit_s'] / ours_r['fit_s']:.0f}x); largest difference of the estimates {diff:.1e}")
    if lt is not None and total_lt:
        ratio = total_lt / total_ours
        print(f"\ntotal (fits and predictions, models lifetimes completed): ours {total_ours:.2f}s, lifetimes "
              f"{total_lt:.1f}s: {ratio:.0f}x, {TARGET:g}x target {'MET' if ratio >= TARGET else 'NOT met'}; "
              f"estimates {'agree' if agree_all else 'DISAGREE'} within {TOL:g}")
    else:
        print(f"\nours in total: {total_ours:.2f}s. {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
