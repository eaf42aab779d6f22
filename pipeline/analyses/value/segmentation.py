"""Segmentation: the nine-type value grid, k-means clusters described in words, segment migration.

The nine types (docs/domain.md, "Customer value") cross a **time orientation** (past / present / future:
which of historical, current and potential value dominates) with a **value driver** (functional /
economic / psychological: what the customer buys for).  Both are read from proxies whose
thresholds are parameters (``GridParameters``); the report states them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy.cluster import vq

ORIENTATIONS = ("past", "present", "future")
DRIVERS = ("functional", "economic", "psychological")
VALUE_TYPES = {("past", "functional"): "laggard", ("past", "economic"): "calculating",
               ("past", "psychological"): "nostalgic", ("present", "functional"): "practical",
               ("present", "economic"): "value_seeking", ("present", "psychological"): "status",
               ("future", "functional"): "avant_garde", ("future", "economic"): "far_sighted",
               ("future", "psychological"): "perfectionist"}


@dataclass(frozen=True)
class GridParameters:
    """Proxies of the nine-type grid.

    Time orientation: historical, current and potential (next 12 months) value are each scaled to
    percentile ranks among the customers; a customer whose potential rank is at most ``past_below``
    is *past* (its value lies behind it), one above ``future_above`` who has bought for less than
    ``future_max_years`` is *future* (a young customer with its value ahead), the rest *present*.

    Value driver: *economic* when the revenue-weighted mean discount is at least
    ``economic_discount``; otherwise *psychological* when the premium score (share of contracts at a
    ``premium_levels`` service level, plus ``vip_weight`` if the tier is in ``vip_tiers``) reaches
    ``psychological_score``; otherwise *functional* (breadth: the normalised entropy of spend over
    product categories is reported as the functional score).
    """
    economic_discount: float = 0.15
    premium_levels: tuple[str, ...] = ("7x24x4",)
    vip_tiers: tuple[str, ...] = ("VIP",)
    vip_weight: float = 0.5
    psychological_score: float = 0.75
    past_below: float = 0.3
    future_above: float = 0.7
    future_max_years: float = 2.0

    def as_rows(self) -> pd.DataFrame:
        return pd.DataFrame([{"parameter": k, "value": ", ".join(v) if isinstance(v, tuple) else v}
                             for k, v in asdict(self).items()])


# ---------------------------------------------------------------------------------------------
# value drivers

def _entropy_evenness(counts: pd.DataFrame) -> pd.Series:
    """Normalised Shannon entropy of each row (0 = one category, 1 = spread evenly over all)."""
    k = counts.shape[1]
    if k <= 1:
        return pd.Series(0.0, index=counts.index)
    p = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=1)
    return pd.Series(h / np.log(k), index=counts.index)


def driver_scores(sales: pd.DataFrame, contracts: pd.DataFrame | None, customers: pd.DataFrame | None,
                  as_of, params: GridParameters = GridParameters()) -> pd.DataFrame:
    """Per customer with purchases before ``as_of``: ``discount_share``, ``breadth`` (distinct
    categories), ``functional_score`` (evenness of spend over categories), ``premium_share``,
    ``vip``, ``psychological_score``, ``economic_score`` (discount / threshold) and ``driver``."""
    as_of = pd.Timestamp(as_of)
    s = sales[(sales["order_date"] < as_of) & ~sales["is_return"] & (sales["amount"] > 0)]
    ids = pd.Index(sorted(s["customer_id"].unique()), name="customer_id")
    out = pd.DataFrame(index=ids)
    if "discount" in s.columns and s["discount"].notna().any():
        d = s.dropna(subset=["discount"])
        gross = d["amount"] / (1 - d["discount"].clip(upper=0.99))
        disc = (gross - d["amount"]).groupby(d["customer_id"]).sum() / gross.groupby(d["customer_id"]).sum()
        out["discount_share"] = disc.reindex(ids)
    else:
        out["discount_share"] = np.nan
    cat = s["product_category"].fillna("?") if "product_category" in s.columns else pd.Series("?", index=s.index)
    spend = s.assign(_c=cat).pivot_table(index="customer_id", columns="_c", values="amount", aggfunc="sum",
                                         fill_value=0.0).reindex(ids, fill_value=0.0)
    out["breadth"] = (spend > 0).sum(axis=1).astype("int64")
    out["functional_score"] = _entropy_evenness(spend)
    premium = pd.Series(0.0, index=ids)
    if contracts is not None and len(contracts) and "service_level" in contracts.columns:
        k = contracts[contracts["start_date"] < as_of]
        share = k["service_level"].isin(params.premium_levels).groupby(k["customer_id"]).mean()
        premium = share.reindex(ids).fillna(0.0).astype(float)
    out["premium_share"] = premium
    vip = pd.Series(False, index=ids)
    if customers is not None and "tier" in customers.columns:
        tiers = customers.drop_duplicates("customer_id").set_index("customer_id")["tier"]
        vip = tiers.reindex(ids).isin(params.vip_tiers)
    out["vip"] = vip.astype(bool)
    out["psychological_score"] = out["premium_share"] + params.vip_weight * out["vip"]
    out["economic_score"] = out["discount_share"] / params.economic_discount
    driver = np.where(out["discount_share"].fillna(0) >= params.economic_discount, "economic",
                      np.where(out["psychological_score"] >= params.psychological_score, "psychological",
                               "functional"))
    out["driver"] = driver
    return out.reset_index()


# ---------------------------------------------------------------------------------------------
# time orientation

def orientation_scores(values: pd.DataFrame, first_purchase: pd.Series, period_start, period_end_exclusive,
                       params: GridParameters = GridParameters()) -> pd.DataFrame:
    """``values``: customer_id, historical_value, current_value, potential_value (12 months).

    Each value is scaled to a percentile rank among the customers (0–1, comparable across the
    three): ``past_score`` (historical), ``present_score`` (current), ``future_score`` (potential).
    ``orientation`` (see ``GridParameters``): *past* when the potential rank is at most
    ``past_below`` (the customer's value lies behind it), *future* when it is above
    ``future_above`` and the customer has bought for less than ``future_max_years`` (young, with
    its value ahead), otherwise *present*."""
    v = values.set_index("customer_id")
    start = pd.Timestamp(period_start)
    years = ((start - first_purchase.reindex(v.index)).dt.days / 365.25).clip(lower=0).fillna(0.0)
    scores = pd.DataFrame({
        "past_score": v["historical_value"].rank(pct=True, method="average"),
        "present_score": v["current_value"].rank(pct=True, method="average"),
        "future_score": v["potential_value"].fillna(0).rank(pct=True, method="average"),
        "years_as_buyer": years,
    })
    f = scores["future_score"]
    scores["orientation"] = np.where(f <= params.past_below, "past",
                                     np.where((f > params.future_above) & (years < params.future_max_years),
                                              "future", "present"))
    return scores.reset_index()


def value_types(orientation: pd.DataFrame, drivers: pd.DataFrame) -> pd.DataFrame:
    """Join orientation and driver scores; ``value_type`` is the grid cell's name."""
    out = orientation.merge(drivers, on="customer_id", how="outer")
    out["orientation"] = out["orientation"].fillna("past")
    out["driver"] = out["driver"].fillna("functional")
    out["value_type"] = [VALUE_TYPES[(o, d)] for o, d in zip(out["orientation"], out["driver"])]
    return out


def grid_summary(types: pd.DataFrame, value_col: str = "clv") -> pd.DataFrame:
    """Customers and value per cell of the 3×3 grid (all nine cells, empty ones as 0)."""
    cells = pd.MultiIndex.from_product([ORIENTATIONS, DRIVERS], names=["orientation", "driver"])
    g = types.groupby(["orientation", "driver"])
    out = pd.DataFrame({"customers": g.size(), "value": g[value_col].sum() if value_col in types else 0.0})
    out = out.reindex(cells, fill_value=0).reset_index()
    out["value_type"] = [VALUE_TYPES[(o, d)] for o, d in zip(out["orientation"], out["driver"])]
    out["customers"] = out["customers"].astype("int64")
    return out


# ---------------------------------------------------------------------------------------------
# clustering

def silhouette(X: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient (Rousseeuw 1987); singletons score 0."""
    X = np.asarray(X, float)
    labels = np.asarray(labels)
    ks = np.unique(labels)
    if len(ks) < 2 or len(ks) >= len(X):
        return float("nan")
    d = np.sqrt(np.maximum(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1), 0.0))
    a = np.zeros(len(X))
    b = np.full(len(X), np.inf)
    for k in ks:
        m = labels == k
        mean_to_k = d[:, m].sum(1)
        own = labels == k
        n_k = m.sum()
        a[own] = np.where(n_k > 1, mean_to_k[own] / max(n_k - 1, 1), 0.0)
        b[~own] = np.minimum(b[~own], mean_to_k[~own] / n_k)
    sizes = pd.Series(labels).map(pd.Series(labels).value_counts()).to_numpy()
    s = np.where(sizes > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(np.mean(s))


def kmeans(X: np.ndarray, k: int, seed: int = 0, restarts: int = 10) -> tuple[np.ndarray, np.ndarray, float]:
    """Seeded k-means++ (scipy.cluster.vq.kmeans2), best of ``restarts`` by within-cluster SS."""
    X = np.asarray(X, float)
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(restarts):
        c, lab = vq.kmeans2(X, k, minit="++", seed=rng)
        if len(np.unique(lab)) < k:
            continue
        wss = float(((X - c[lab]) ** 2).sum())
        if best is None or wss < best[2]:
            best = (c, lab, wss)
    if best is None:
        raise ValueError(f"k-means could not form {k} non-empty clusters")
    return best


@dataclass
class Clustering:
    features: list[str]
    k: int
    labels: pd.Series                      # customer_id -> cluster number (1..k, 1 = largest value)
    silhouettes: dict[int, float] = field(default_factory=dict)
    profile: pd.DataFrame | None = None    # per cluster: customers, feature means, levels


def cluster_customers(features: pd.DataFrame, ks=range(2, 9), seed: int = 0, log_cols=(), max_silhouette_n=3000,
                      order_by: str | None = None) -> Clustering | None:
    """Standardise ``features`` (index = customer_id; ``log_cols`` get log1p first), run k-means for
    each k in ``ks`` and keep the k with the largest mean silhouette. Returns None when there are too
    few customers, or when ``order_by`` does not vary among them (there is no value to tell clusters
    apart by). Clusters are renumbered 1..k by descending mean of ``order_by``."""
    f = features.dropna()
    f = f.loc[:, f.std(ddof=0) > 0]
    ks = [k for k in ks if k < len(f)]
    if f.shape[1] == 0 or not ks or len(f) < 6 or (order_by is not None and order_by not in f):
        return None
    Z = f.copy()
    for c in log_cols:
        if c in Z:
            Z[c] = np.log1p(Z[c].clip(lower=0))
    Z = ((Z - Z.mean()) / Z.std(ddof=0)).to_numpy()
    rng = np.random.default_rng(seed)
    sub = rng.choice(len(Z), size=min(len(Z), max_silhouette_n), replace=False)
    sils, fits = {}, {}
    for k in ks:
        try:
            fits[k] = kmeans(Z, k, seed=seed)
        except ValueError:
            continue
        sils[k] = silhouette(Z[sub], fits[k][1][sub])
    if not sils:
        return None
    k = max(sils, key=lambda kk: (np.nan_to_num(sils[kk], nan=-1), -kk))
    lab = pd.Series(fits[k][1], index=f.index)
    key = order_by if order_by in f else f.columns[0]
    order = f.groupby(lab)[key].mean().sort_values(ascending=False).index
    lab = lab.map({old: new + 1 for new, old in enumerate(order)})
    return Clustering(list(f.columns), k, lab.rename("cluster"), sils, cluster_profile(f, lab))


def cluster_profile(features: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Per cluster: customers, each feature's mean, and its level against the whole base:
    ``high`` when the cluster median is above the base's 2/3 quantile, ``low`` below the 1/3
    quantile, else ``mid`` (columns ``<feature>_level``)."""
    g = features.groupby(labels)
    prof = g.mean()
    med = g.median()
    for c in features.columns:
        lo, hi = features[c].quantile([1 / 3, 2 / 3])
        prof[f"{c}_level"] = np.where(med[c] > hi, "high", np.where(med[c] < lo, "low", "mid"))
    prof.insert(0, "customers", g.size())
    prof.index.name = "cluster"
    return prof


def describe_cluster(row: pd.Series, features: list[str], t) -> str:
    """Words from a cluster's profile via the catalogue: ``cluster.<feature>.<level>`` for each
    feature that is not ``mid`` (``cluster.average`` when all are), then the customer count."""
    words = [t(f"cluster.{c}.{row[f'{c}_level']}") for c in features if row.get(f"{c}_level", "mid") != "mid"]
    if not words:
        words = [t("cluster.average")]
    return t("cluster.description", traits=t("cluster.joiner").join(words), customers=int(row["customers"]))


# ---------------------------------------------------------------------------------------------
# migration

def migration_table(before: pd.DataFrame, after: pd.DataFrame, col: str = "rfm_segment",
                    new_label: str = "(new)", lost_label: str = "(none)") -> pd.DataFrame:
    """Customers by segment at the previous period end (rows) × this period end (columns).
    Customers absent before are counted in row ``new_label``."""
    a = before.set_index("customer_id")[col]
    b = after.set_index("customer_id")[col]
    ids = b.index.union(a.index)
    frm = a.reindex(ids).fillna(new_label)
    to = b.reindex(ids).fillna(lost_label)
    return pd.crosstab(frm.rename("from"), to.rename("to"))


def assign_value_types(values: pd.DataFrame, sales: pd.DataFrame, contracts: pd.DataFrame | None,
                       customers: pd.DataFrame | None, period_start, as_of,
                       params: GridParameters = GridParameters()) -> pd.DataFrame:
    """The nine-type grid for every customer in ``values`` (from ``value.value_table``): the
    orientation and driver scores behind each ``value_type``."""
    as_of = pd.Timestamp(as_of)
    s = sales[(sales["order_date"] < as_of) & ~sales["is_return"]]
    first = s.groupby("customer_id")["order_date"].min()
    o = orientation_scores(values[["customer_id", "historical_value", "current_value", "potential_value"]],
                           first, period_start, as_of, params)
    d = driver_scores(sales, contracts, customers, as_of, params)
    out = value_types(o, d)
    return out[out["customer_id"].isin(values["customer_id"])].reset_index(drop=True)
