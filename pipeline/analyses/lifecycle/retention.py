"""The service test: does a customer's service experience change the chance a contract is renewed?

Per decided maintenance contract (``renewed`` not null) the service experience during its term (or
the last ``window_days`` before its end date) is summarised from the dispatches: SLA-breached
dispatches, dispatches needing a second visit, median repair hours, tickets still unresolved at the
end date. A logistic regression of ``renewed`` on these features, controlling for tier, size
(log annual fee and dispatch volume), service level and tenure, gives odds ratios with Wald 95%
intervals and p-values. The estimate is observational: it adjusts for the measured confounders only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analyses.service.sla import sla_flags

SERVICE_TERMS = ("breaches", "second_visits", "median_repair_hours", "unresolved")
CONTROL_TERMS = ("log_annual_fee", "dispatches", "tenure_years")


def contract_service_features(contracts: pd.DataFrame, dispatches: pd.DataFrame,
                              customers: pd.DataFrame | None = None, *, as_of=None,
                              window_days: int | None = None, decided_only: bool = True) -> pd.DataFrame:
    """One row per contract with its service experience and the controls.

    Columns: ``contract_id``, ``customer_id``, ``renewed`` (0/1, NaN undecided), ``service_level``,
    ``tier``, ``annual_fee``, ``log_annual_fee``, ``tenure_years`` (years since the customer's first
    contract started), ``contract_number`` (1 = the customer's first), ``dispatches``, ``breaches``,
    ``second_visits``, ``unresolved`` (not closed by the end date), ``median_repair_hours``
    (report → close; the overall median where the term had no closed dispatch), ``any_breach``,
    ``breaches_fast`` / ``breaches_slow`` (breached dispatches closed within / after 24 h of the
    report). Dispatches count when reported within [start_date, end_date] (or the last
    ``window_days`` before end_date).
    """
    k = contracts.copy()
    if decided_only:
        k = k[k["renewed"].notna()]
    k = k.sort_values(["customer_id", "start_date", "contract_id"]).reset_index(drop=True)
    first = contracts.groupby("customer_id")["start_date"].min()
    k["tenure_years"] = (k["start_date"] - k["customer_id"].map(first)).dt.days / 365.25
    k["contract_number"] = k.groupby("customer_id").cumcount() + 1
    k["renewed"] = k["renewed"].astype("float")
    k["annual_fee"] = k["annual_fee"].astype(float)
    k["log_annual_fee"] = np.log1p(k["annual_fee"].fillna(k["annual_fee"].median()))
    if customers is not None and "tier" in customers:
        k = k.merge(customers[["customer_id", "tier"]].drop_duplicates("customer_id"), on="customer_id", how="left")
    k["tier"] = k.get("tier", pd.Series(index=k.index, dtype=object)).fillna("unknown")

    as_of = pd.Timestamp(as_of) if as_of is not None else dispatches["reported_at"].max()
    d = dispatches[["ticket_id", "customer_id", "reported_at", "closed_at", "visits"]].copy()
    if "arrived_at" in dispatches:
        d["arrived_at"] = dispatches["arrived_at"]
    flags = sla_flags(dispatches, as_of=as_of)
    d["breached"] = flags["breached"].fillna(False).astype(bool).to_numpy()
    d["second"] = (pd.to_numeric(d["visits"], errors="coerce").fillna(1) >= 2).to_numpy()
    d["repair_hours"] = (d["closed_at"] - d["reported_at"]) / pd.Timedelta(hours=1)

    m = k[["contract_id", "customer_id", "start_date", "end_date"]].merge(d, on="customer_id", how="inner")
    end_excl = m["end_date"] + pd.Timedelta(days=1)
    lo = m["start_date"]
    if window_days is not None:
        lo = np.maximum(lo, end_excl - pd.Timedelta(days=window_days))
    keep = (m["reported_at"] >= lo) & (m["reported_at"] < end_excl)
    m, end_excl = m[keep].copy(), end_excl[keep]
    m["unresolved"] = m["closed_at"].isna() | (m["closed_at"] >= end_excl)
    m["fast"] = m["breached"] & (m["repair_hours"] <= 24)
    m["slow"] = m["breached"] & ~m["fast"]
    g = m.groupby("contract_id")
    agg = pd.DataFrame({"dispatches": g.size(), "breaches": g["breached"].sum(), "second_visits": g["second"].sum(),
                        "unresolved": g["unresolved"].sum(), "median_repair_hours": g["repair_hours"].median(),
                        "breaches_fast": g["fast"].sum(), "breaches_slow": g["slow"].sum()})
    k = k.merge(agg, left_on="contract_id", right_index=True, how="left")
    for c in ("dispatches", "breaches", "second_visits", "unresolved", "breaches_fast", "breaches_slow"):
        k[c] = k[c].fillna(0).astype("int64")
    overall = d["repair_hours"].median()
    k["median_repair_hours"] = k["median_repair_hours"].fillna(overall if pd.notna(overall) else 0.0)
    k["any_breach"] = (k["breaches"] > 0).astype("int64")
    return k


# --------------------------------------------------------------------------- logistic regression
class Logit:
    """Maximum-likelihood logistic regression by iteratively reweighted least squares.

    ``params_``, ``bse_`` (standard errors from the inverse Fisher information), ``cov_``,
    ``names_``; ``predict(X)`` gives P(y=1). Raises on perfect separation (no finite estimate).
    """

    def fit(self, X: pd.DataFrame, y, max_iter: int = 100, tol: float = 1e-10) -> Logit:
        self.names_ = list(X.columns)
        A = X.to_numpy(dtype=float)
        y = np.asarray(y, dtype=float)
        beta = np.zeros(A.shape[1])
        for _ in range(max_iter):
            eta = A @ beta
            p = 1.0 / (1.0 + np.exp(-eta))
            w = np.clip(p * (1 - p), 1e-12, None)
            info = A.T @ (A * w[:, None])
            step = np.linalg.solve(info, A.T @ (y - p))
            beta = beta + step
            if np.max(np.abs(step)) < tol:
                break
        if np.max(np.abs(beta)) > 30:
            raise ValueError("logistic regression did not converge (separation?)")
        p = 1.0 / (1.0 + np.exp(-(A @ beta)))
        info = A.T @ (A * (p * (1 - p))[:, None])
        self.cov_ = np.linalg.inv(info)
        self.params_ = pd.Series(beta, index=self.names_)
        self.bse_ = pd.Series(np.sqrt(np.diag(self.cov_)), index=self.names_)
        self.log_likelihood_ = float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))
        self.n_ = len(y)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(X[self.names_].to_numpy(dtype=float) @ self.params_.to_numpy())))

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        z = stats.norm.ppf(0.5 + confidence / 2)
        b, se = self.params_, self.bse_
        return pd.DataFrame({"term": self.names_, "coef": b.values, "se": se.values,
                             "ci_low_coef": (b - z * se).values, "ci_high_coef": (b + z * se).values,
                             "p_value": 2 * stats.norm.sf(np.abs((b / se).to_numpy()))})


MIN_LEVEL_ROWS = 20


def design_matrix(features: pd.DataFrame, terms=SERVICE_TERMS, controls=CONTROL_TERMS,
                  categorical=("tier", "service_level")) -> pd.DataFrame:
    """Intercept, the numeric ``terms`` and ``controls``, and dummies for ``categorical`` (first level
    in sorted order dropped: the reference). Categories with a single level are left out.

    A level with fewer than ``MIN_LEVEL_ROWS`` rows (a handful of contracts whose customer has no
    tier, say) is counted with the most frequent level: its own dummy would be estimated from a
    few rows and, when they all renewed, would separate the data and leave no finite estimate.
    """
    parts = [pd.Series(1.0, index=features.index, name="intercept")]
    parts += [features[c].astype(float) for c in list(terms) + list(controls)]
    for c in categorical:
        if c not in features:
            continue
        levels = features[c].astype(str)
        counts = levels.value_counts()
        rare = counts.index[counts < MIN_LEVEL_ROWS]
        if len(rare) and len(rare) < len(counts):
            levels = levels.where(~levels.isin(rare), counts.idxmax())
        if levels.nunique() > 1:
            dummies = pd.get_dummies(levels, prefix=c, dtype=float)
            parts.append(dummies.iloc[:, 1:])
    return pd.concat(parts, axis=1)


def service_retention_model(features: pd.DataFrame, terms=SERVICE_TERMS, controls=CONTROL_TERMS,
                            categorical=("tier", "service_level"), confidence: float = 0.95):
    """Fit the renewal logit; return ``(model, table)``.

    ``table`` follows the contract's ``service_retention_effect.csv``: ``term``, ``ratio`` (odds
    ratio per unit), ``ci_low``, ``ci_high``, ``p_value``, ``model``; plus ``coef`` (log-odds),
    ``ci_low_coef``, ``ci_high_coef``, ``se``, ``n``. The intercept is left out.
    """
    f = features[features["renewed"].notna()]
    X = design_matrix(f, terms, controls, categorical)
    X = X[[c for c in X.columns if c == "intercept" or X[c].std() > 0]]
    model = Logit().fit(X, f["renewed"])
    s = model.summary(confidence)
    s = s[s["term"] != "intercept"].reset_index(drop=True)
    s["ratio"] = np.exp(s["coef"])
    s["ci_low"] = np.exp(s["ci_low_coef"])
    s["ci_high"] = np.exp(s["ci_high_coef"])
    s["model"] = "logit renewal"
    s["n"] = model.n_
    cols = ["term", "ratio", "ci_low", "ci_high", "p_value", "model", "coef", "ci_low_coef", "ci_high_coef", "se", "n"]
    return model, s[cols]


def calibration(features: pd.DataFrame, model: Logit, bins: int = 10, terms=SERVICE_TERMS,
                controls=CONTROL_TERMS, categorical=("tier", "service_level")) -> pd.DataFrame:
    """Deciles of predicted P(renew) against the observed renewal rate: ``bin``, ``contracts``,
    ``predicted``, ``observed``; plus the Hosmer–Lemeshow statistic and p-value as attributes
    ``hl_stat``, ``hl_p``."""
    f = features[features["renewed"].notna()]
    X = design_matrix(f, terms, controls, categorical)
    p = model.predict(X.reindex(columns=model.names_, fill_value=0.0))
    q = pd.qcut(pd.Series(p).rank(method="first"), min(bins, len(p)), labels=False)
    frame = pd.DataFrame({"bin": q.to_numpy() + 1, "p": p, "y": f["renewed"].to_numpy()})
    g = frame.groupby("bin")
    out = pd.DataFrame({"contracts": g.size(), "predicted": g["p"].mean(), "observed": g["y"].mean()}).reset_index()
    exp_ = out["predicted"] * out["contracts"]
    obs = out["observed"] * out["contracts"]
    hl = float((((obs - exp_) ** 2) / (exp_ * (1 - out["predicted"])).clip(lower=1e-12)).sum())
    out.attrs["hl_stat"] = hl
    out.attrs["hl_p"] = float(stats.chi2.sf(hl, max(len(out) - 2, 1)))
    return out


def thesis_comparison(features: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Renewal rate by service experience beside the thesis's cited figures.

    Groups: ``no_breach``; ``breach_resolved_fast`` (every breached dispatch closed within 24 h of
    its report); ``breach_resolved_slowly``; ``unresolved`` (a dispatch still open at the end date).
    Columns ``group``, ``contracts``, ``renewed``, ``rate``, ``ci_low``, ``ci_high`` (Wilson),
    ``thesis_rate`` (the thesis's share who stay: 1/3 if ignored, 0.70 if resolved, 0.95 if resolved
    fast; NaN for no breach)."""
    from pipeline.analyses.service.sla import wilson_interval
    f = features[features["renewed"].notna()]
    group = np.select([f["unresolved"] > 0, f["breaches"] == 0, f["breaches_slow"] == 0],
                      ["unresolved", "no_breach", "breach_resolved_fast"], "breach_resolved_slowly")
    g = f.groupby(group)["renewed"]
    out = pd.DataFrame({"contracts": g.size(), "renewed": g.sum().astype("int64")})
    order = ["no_breach", "breach_resolved_fast", "breach_resolved_slowly", "unresolved"]
    out = out.reindex(order).dropna().astype("int64")
    out["rate"] = out["renewed"] / out["contracts"]
    lo, hi = wilson_interval(out["renewed"].to_numpy(), out["contracts"].to_numpy(), confidence)
    out["ci_low"], out["ci_high"] = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    thesis = {"no_breach": np.nan, "breach_resolved_fast": 0.95, "breach_resolved_slowly": 0.70, "unresolved": 1 / 3}
    out["thesis_rate"] = [thesis[i] for i in out.index]
    return out.rename_axis("group").reset_index()


# --------------------------------------------------------------------------- repurchase (Cox)
def repurchase_landmark(sales: pd.DataFrame, dispatches: pd.DataFrame, customers: pd.DataFrame | None = None, *,
                        landmark, as_of, lookback_days: int = 365) -> pd.DataFrame:
    """A landmark data set for "does service change whether the customer buys again?".

    Customers who bought before ``landmark``; their service experience in the ``lookback_days``
    before it (``dispatches``, ``breaches``, ``second_visits``), ``tier``, ``log_spend`` (log of
    purchases before the landmark), ``days_since_purchase`` at the landmark; outcome ``duration``
    (days from the landmark to the next purchase, or to ``as_of``) and ``event`` (bought again).
    """
    landmark, as_of = pd.Timestamp(landmark), pd.Timestamp(as_of)
    keep = ~sales["is_return"].astype(bool) & (sales["amount"].fillna(0) > 0)
    s = sales[keep]
    before = s[s["order_date"] < landmark]
    after = s[(s["order_date"] >= landmark) & (s["order_date"] <= as_of)]
    g = before.groupby("customer_id")
    out = pd.DataFrame({"log_spend": np.log1p(g["amount"].sum()),
                        "days_since_purchase": (landmark - g["order_date"].max()).dt.days.astype(float)})
    nxt = after.groupby("customer_id")["order_date"].min().reindex(out.index)
    out["event"] = nxt.notna().astype("int64")
    out["duration"] = ((nxt.fillna(as_of) - landmark).dt.days.astype(float)).clip(lower=0.5)
    d = dispatches[(dispatches["reported_at"] < landmark)
                   & (dispatches["reported_at"] >= landmark - pd.Timedelta(days=lookback_days))]
    flags = sla_flags(d, as_of=landmark)
    dd = pd.DataFrame({"customer_id": d["customer_id"].to_numpy(),
                       "breached": flags["breached"].fillna(False).astype(bool).to_numpy(),
                       "second": (pd.to_numeric(d["visits"], errors="coerce").fillna(1) >= 2).to_numpy()})
    gd = dd.groupby("customer_id")
    out["dispatches"] = gd.size().reindex(out.index).fillna(0).astype("int64")
    out["breaches"] = gd["breached"].sum().reindex(out.index).fillna(0).astype("int64")
    out["second_visits"] = gd["second"].sum().reindex(out.index).fillna(0).astype("int64")
    out = out.rename_axis("customer_id").reset_index()
    if customers is not None and "tier" in customers:
        out = out.merge(customers[["customer_id", "tier"]].drop_duplicates("customer_id"), on="customer_id", how="left")
        out["tier"] = out["tier"].fillna("unknown")
    return out


def repurchase_cox(landmark_data: pd.DataFrame, terms=("breaches", "second_visits"),
                   controls=("dispatches", "log_spend", "days_since_purchase"), categorical=("tier",),
                   confidence: float = 0.95):
    """Cox proportional-hazards model of the time to the next purchase (lifelines).

    Returns ``(fitter, table, ph_test)``: ``table`` in the contract's form (``ratio`` = hazard ratio,
    > 1 means buying again sooner; ``model`` = ``cox repurchase``) and ``ph_test`` the Schoenfeld-
    residual test of proportional hazards per term (``term``, ``test_statistic``, ``p_value``).
    """
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    X = design_matrix(landmark_data, terms, controls, categorical).drop(columns="intercept")
    X = X[[c for c in X.columns if X[c].std() > 0]]
    frame = X.assign(duration=landmark_data["duration"].to_numpy(), event=landmark_data["event"].to_numpy())
    cph = CoxPHFitter(alpha=1 - confidence, penalizer=0.0)
    cph.fit(frame, duration_col="duration", event_col="event")
    s = cph.summary
    table = pd.DataFrame({"term": s.index.astype(str), "ratio": s["exp(coef)"].to_numpy(),
                          "ci_low": np.exp(s.iloc[:, s.columns.str.startswith("coef lower")].iloc[:, 0]).to_numpy(),
                          "ci_high": np.exp(s.iloc[:, s.columns.str.startswith("coef upper")].iloc[:, 0]).to_numpy(),
                          "p_value": s["p"].to_numpy(), "model": "cox repurchase", "coef": s["coef"].to_numpy(),
                          "se": s["se(coef)"].to_numpy(), "n": len(frame)})
    ph = proportional_hazard_test(cph, frame, time_transform="rank").summary
    ph_test = pd.DataFrame({"term": ph.index.astype(str), "test_statistic": ph["test_statistic"].to_numpy(),
                            "p_value": ph["p"].to_numpy()})
    return cph, table, ph_test
