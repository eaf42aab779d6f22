"""Extension: cross-sell and up-sell.

Product-pair co-purchase (support, confidence, lift) at customer or order level, next-product
suggestions per segment, breadth of products per customer over time, service-level upgrades
between consecutive contracts, and the share of customers who bought more this year than last.
All vectorised: product pairs are counted as XᵀX of the sparse basket × product matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVEL_RANK = {"5x9": 0, "7x24x8": 1, "7x24x4": 2}


def purchases(sales: pd.DataFrame, product_col: str = "product_id") -> pd.DataFrame:
    """Sales lines that are purchases: not returns, positive amount (or quantity) and a value in
    ``product_col`` (the product id; the category where breadth is counted by category)."""
    s = sales
    keep = ~s["is_return"].astype(bool) if "is_return" in s else pd.Series(True, index=s.index)
    val = s["amount"] if "amount" in s else s["quantity"]
    keep &= val.fillna(0) > 0
    keep &= s[product_col].notna()
    return s[keep]


# The most (basket, product, product) triples one slice of the co-occurrence product may hold.
PAIRS_PER_SLICE = 20_000_000
# The most (customer, owned product, rule) rows one slice of the next-product suggestions may hold.
CANDIDATES_PER_SLICE = 5_000_000


def _co_occurrence(basket: np.ndarray, product: np.ndarray, n_baskets: int, n_products: int):
    """Ordered product pairs (a, b), a ≠ b, with the number of baskets holding both, and the number
    of baskets holding each product.

    With X the 0/1 basket × product matrix (sparse), XᵀX counts baskets per product pair: the same
    numbers a self-merge of (basket, product) rows gives, without materialising its k² rows per basket."""
    from scipy import sparse

    x = sparse.coo_matrix((np.ones(len(basket), dtype=np.int64), (basket, product)),
                          shape=(n_baskets, n_products)).tocsr()        # repeats summed ...
    x.data[:] = 1                                                        # ... then counted once
    # scipy sizes a sparse product by its upper bound, Σ k² over baskets of k products: 570 million
    # entries (4 GiB) for UCI Online Retail's customers. Summed over slices of baskets, each bounded by
    # PAIRS_PER_SLICE, the product needs memory for the result, not for that bound.
    k = np.diff(x.indptr).astype(np.int64)
    cost = np.cumsum(k * k)
    cuts = np.searchsorted(cost, np.arange(PAIRS_PER_SLICE, cost[-1] if len(cost) else 0, PAIRS_PER_SLICE))
    both = None
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, n_baskets]):
        if hi <= lo:
            continue
        part = x[lo:hi]
        block = part.T @ part
        both = block if both is None else both + block
    both = (both if both is not None else sparse.csr_matrix((n_products, n_products), dtype=np.int64)).tocoo()
    off = both.row != both.col
    order = np.lexsort((both.col[off], both.row[off]))
    return (both.row[off][order].astype(np.int64), both.col[off][order].astype(np.int64),
            both.data[off][order].astype(np.int64), both.diagonal().astype(np.int64))


def pair_table(sales: pd.DataFrame, level: str = "customer", product_col: str = "product_id",
               min_support: float = 0.0, min_count: int = 1) -> pd.DataFrame:
    """Co-purchase of product pairs. ``level``: ``customer`` (a basket is everything a customer ever
    bought) or ``order`` (one order).

    One row per ordered pair (a, b), a ≠ b, seen together in at least ``min_count`` baskets and
    with support ≥ ``min_support``: ``product_a``, ``product_b``, ``customers`` (baskets with both
    — customers at customer level, orders at order level), ``support`` = both / all baskets,
    ``confidence`` = P(b | a), ``lift`` = confidence / P(b), plus ``baskets_a``, ``baskets_b``,
    ``level``. Sorted by lift, then support, descending.
    """
    key = {"customer": "customer_id", "order": "order_id"}[level]
    bought = purchases(sales)
    cols = ["product_a", "product_b", "customers", "support", "confidence", "lift", "baskets_a", "baskets_b", "level"]
    basket, _ = pd.factorize(bought[key])
    product, labels = pd.factorize(bought[product_col], sort=True)
    present = basket >= 0
    basket, product = basket[present].astype(np.int64), product[present].astype(np.int64)
    n = int(basket.max()) + 1 if len(basket) else 0
    if n == 0:
        return pd.DataFrame(columns=cols)
    a, b, together, baskets = _co_occurrence(basket, product, n, len(labels))
    labels = np.asarray(labels, dtype=object)
    out = pd.DataFrame({"product_a": labels[a], "product_b": labels[b], "customers": together})
    count = pd.Series(baskets, index=labels)
    out["baskets_a"] = out["product_a"].map(count).astype("int64")
    out["baskets_b"] = out["product_b"].map(count).astype("int64")
    out["support"] = out["customers"] / n
    out["confidence"] = out["customers"] / out["baskets_a"]
    out["lift"] = out["confidence"] / (out["baskets_b"] / n)
    out["level"] = level
    out = out[(out["support"] >= min_support) & (out["customers"] >= min_count)]
    return out.sort_values(["lift", "support", "product_a", "product_b"], ascending=[False, False, True, True])[
        cols].reset_index(drop=True)


def next_product_suggestions(sales: pd.DataFrame, customers: pd.DataFrame | None = None,
                             segment: str = "tier", top: int = 3, min_count: int = 3) -> pd.DataFrame:
    """Per segment, per customer: products not yet bought, ranked by the segment's customer-level
    confidence P(b | a) over the products a the customer owns (the maximum over a).

    Returns ``segment``, ``customer_id``, ``rank``, ``product``, ``score`` (confidence), ``because``
    (the product a that suggests it), at most ``top`` rows per customer.
    """
    s = purchases(sales)
    if customers is not None and segment in customers:
        s = s.merge(customers[["customer_id", segment]], on="customer_id", how="left")
    else:
        s = s.assign(**{segment: "all"})
    s[segment] = s[segment].fillna("unknown")
    frames = []
    for seg, part in s.groupby(segment):          # a handful of segments; everything inside is vectorised
        rules = pair_table(part, "customer", min_count=min_count)
        if rules.empty:
            continue
        owned = part[["customer_id", "product_id"]].drop_duplicates().reset_index(drop=True)
        candidates = SuggestionCandidates(owned, rules, top)
        # customers in slices of at most CANDIDATES_PER_SLICE candidate rows: a customer's suggestions
        # depend on that customer's rows only
        slice_of = candidates.per_customer.cumsum() // CANDIDATES_PER_SLICE
        for _, who in slice_of.groupby(slice_of):
            frames.append(_suggest(candidates.frame(who.index), owned[owned["customer_id"].isin(who.index)],
                                   seg, top))
    if not frames:
        return pd.DataFrame(columns=["segment", "customer_id", "rank", "product", "score", "because"])
    return pd.concat(frames, ignore_index=True)


class SuggestionCandidates:
    """The (customer, owned a, rule a → b) rows that can decide a customer's ``top`` suggestions.

    All of them would be Σ over customers of the rules of what they own: 570 million rows on UCI
    Online Retail. Of a's rules, ranked by confidence, a customer who owns n products needs only the
    first ``top + n`` (with any rule tied with the last): at most n of those name a product already
    owned, so at least ``top`` unowned products score above every rule further down, which therefore
    neither enters the customer's top nor decides which a it is "because" of. Rows come in the order a
    merge of ``owned`` with ``rules`` would give (owned order first), so ties break as they would there.
    ``per_customer``: the rows each customer needs; :meth:`frame` makes them for some customers.
    """

    def __init__(self, owned: pd.DataFrame, rules: pd.DataFrame, top: int):
        r = rules[["product_a", "product_b", "confidence"]].sort_values(
            ["product_a", "confidence"], ascending=[True, False], kind="stable").reset_index(drop=True)
        block = r.groupby("product_a", sort=False)
        first = block.head(1)
        start = pd.Series(first.index.to_numpy(), index=first["product_a"].to_numpy())
        count = block.size()
        # the last position of each run of equal confidence within a product's block
        run_end = r.index.to_series().groupby([r["product_a"], r["confidence"]], sort=False).transform("max")
        n_owned = owned.groupby("customer_id", sort=False)["product_id"].transform("size").to_numpy()
        with_rules = owned["product_id"].isin(start.index).to_numpy()
        self.owned = owned[with_rules].reset_index(drop=True)
        s = start.reindex(self.owned["product_id"]).to_numpy()
        last = s + np.minimum(top + n_owned[with_rules], count.reindex(self.owned["product_id"]).to_numpy()) - 1
        self.start = s
        self.keep = run_end.to_numpy()[last] - s + 1 if len(s) else np.zeros(0, dtype=np.int64)
        self.rules = r
        self.per_customer = pd.Series(self.keep).groupby(self.owned["customer_id"], sort=True).sum()

    def frame(self, customers=None) -> pd.DataFrame:
        """The rows of ``customers`` (all when None): customer_id, product_a, product_b, confidence."""
        ids = self.owned["customer_id"]
        pick = np.ones(len(ids), bool) if customers is None else ids.isin(customers).to_numpy()
        keep, s = self.keep[pick], self.start[pick]
        rows = np.repeat(np.flatnonzero(pick), keep)
        rule = np.repeat(s, keep) + (np.arange(len(rows)) - np.repeat(np.cumsum(keep) - keep, keep))
        return pd.DataFrame({"customer_id": self.owned["customer_id"].to_numpy()[rows],
                             "product_a": self.rules["product_a"].to_numpy()[rule],
                             "product_b": self.rules["product_b"].to_numpy()[rule],
                             "confidence": self.rules["confidence"].to_numpy()[rule]})


def _suggest(cand: pd.DataFrame, owned: pd.DataFrame, segment, top: int) -> pd.DataFrame:
    """The top ``top`` suggestions of the customers in ``cand`` (:class:`SuggestionCandidates`), none of a product
    they own (``owned``: customer_id, product_id)."""
    cand = cand.merge(owned.rename(columns={"product_id": "product_b"}).assign(_has=True),
                      on=["customer_id", "product_b"], how="left")
    cand = cand[cand["_has"].isna()]
    cand = cand.sort_values(["customer_id", "confidence", "product_b"], ascending=[True, False, True])
    cand = cand.drop_duplicates(["customer_id", "product_b"])
    cand["rank"] = cand.groupby("customer_id").cumcount() + 1
    cand = cand[cand["rank"] <= top]
    return pd.DataFrame({"segment": segment, "customer_id": cand["customer_id"], "rank": cand["rank"],
                         "product": cand["product_b"], "score": cand["confidence"], "because": cand["product_a"]})


def segment_suggestions(suggestions: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """The products most often suggested first per segment: ``segment``, ``product``, ``customers``."""
    first = suggestions[suggestions["rank"] == 1]
    out = first.groupby(["segment", "product"]).size().rename("customers").reset_index()
    out = out.sort_values(["segment", "customers", "product"], ascending=[True, False, True])
    return out.groupby("segment").head(top).reset_index(drop=True)


def breadth_over_time(sales: pd.DataFrame, freq: str = "Y", product_col: str = "product_category") -> pd.DataFrame:
    """Cumulative number of distinct products (``product_col``) per customer at the end of each
    period, averaged over customers acquired by then: ``period``, ``customers``, ``mean_breadth``,
    ``share_multi`` (customers with two or more)."""
    s = purchases(sales, product_col)
    first = s.groupby(["customer_id", product_col])["order_date"].min().dt.to_period(freq)
    first = first.rename("period").reset_index()
    periods = pd.period_range(first["period"].min(), first["period"].max(), freq=freq)
    new = first.groupby(["customer_id", "period"]).size().unstack(fill_value=0).reindex(columns=periods, fill_value=0)
    cum = new.cumsum(axis=1)
    active = cum > 0
    out = pd.DataFrame({"period": periods.astype(str), "customers": active.sum().to_numpy(),
                        "mean_breadth": (cum.where(active).mean()).to_numpy(),
                        "share_multi": ((cum >= 2).sum() / active.sum().clip(lower=1)).to_numpy()})
    return out


def service_level_upgrades(contracts: pd.DataFrame) -> pd.DataFrame:
    """Changes of service level between a customer's consecutive contracts: ``from_level``,
    ``to_level``, ``changes``, ``direction`` (``upgrade``/``downgrade``/``same``)."""
    k = contracts[contracts["service_level"].notna()].sort_values(["customer_id", "start_date", "contract_id"])
    prev = k.groupby("customer_id")["service_level"].shift()
    pairs = pd.DataFrame({"from_level": prev, "to_level": k["service_level"]}).dropna()
    out = pairs.groupby(["from_level", "to_level"]).size().rename("changes").reset_index()
    diff = out["to_level"].map(LEVEL_RANK) - out["from_level"].map(LEVEL_RANK)
    out["direction"] = np.select([diff > 0, diff < 0], ["upgrade", "downgrade"], "same")
    return out


def bought_more(sales: pd.DataFrame, year: int) -> dict:
    """Customers who bought in ``year - 1``: how many spent more in ``year`` than in ``year - 1``.

    Returns ``customers`` (bought last year), ``bought_more``, ``share``."""
    s = purchases(sales)
    y = s["order_date"].dt.year
    spend = s[y.isin([year - 1, year])].groupby(["customer_id", y.rename("year")])["amount"].sum().unstack(fill_value=0)
    spend = spend.reindex(columns=[year - 1, year], fill_value=0)
    base = spend[spend[year - 1] > 0]
    more = int((base[year] > base[year - 1]).sum())
    return {"customers": int(len(base)), "bought_more": more, "share": more / len(base) if len(base) else float("nan")}
