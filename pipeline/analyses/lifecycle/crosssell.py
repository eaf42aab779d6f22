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
CANDIDATES_PER_SLICE = 2_000_000


def _co_occurrence(basket: np.ndarray, product: np.ndarray, n_baskets: int, n_products: int, min_count: int = 1):
    """Ordered product pairs (a, b), a ≠ b, held together by at least ``min_count`` baskets, with the
    number of baskets holding both, and the number of baskets holding each product.

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
    # the rare pairs are dropped here, as integers: UCI's customers hold 9.6 million pairs, of which
    # 1.8 million are held by five or more, and each kept row becomes two product labels below
    off = (both.row != both.col) & (both.data >= min_count)
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
    a, b, together, baskets = _co_occurrence(basket, product, n, len(labels), min_count=max(1, int(min_count)))
    support = together / n
    if min_support > 0:
        keep = support >= min_support
        a, b, together, support = a[keep], b[keep], together[keep], support[keep]
    confidence = together / baskets[a]
    lift = confidence / (baskets[b] / n)
    # sorted as integers (codes follow the sorted labels), and only then made into labels: sorting the
    # finished frame copied 1.8 million rows of UCI's customer pairs twice
    order = np.lexsort((b, a, -support, -lift))
    labels = np.asarray(labels, dtype=object)
    a, b = a[order], b[order]
    return pd.DataFrame({"product_a": labels[a], "product_b": labels[b], "customers": together[order],
                         "support": support[order], "confidence": confidence[order], "lift": lift[order],
                         "baskets_a": baskets[a], "baskets_b": baskets[b], "level": level})[cols]


def next_product_suggestions(sales: pd.DataFrame, customers: pd.DataFrame | None = None,
                             segment: str = "tier", top: int = 3, min_count: int = 3) -> pd.DataFrame:
    """Per segment, per customer: products not yet bought, ranked by the segment's customer-level
    confidence P(b | a) over the products a the customer owns (the maximum over a).

    Returns ``segment``, ``customer_id``, ``rank``, ``product``, ``score`` (confidence), ``because``
    (the product a that suggests it: of those giving the best confidence, the one the customer bought
    first), at most ``top`` rows per customer, customers in id order, ties in score by product id.
    The rules are those of :func:`pair_table` at customer level with ``min_count``. The work is in
    integer codes and, per slice of customers, bounded by ``CANDIDATES_PER_SLICE`` rows
    (:class:`SuggestionCandidates`): on UCI Online Retail's 4,372 customers × 3,684 products it
    needs 31 million candidate rows of the 570 million a full merge would make.
    """
    s = purchases(sales)
    if customers is not None and segment in customers:
        s = s.merge(customers[["customer_id", segment]], on="customer_id", how="left")
    else:
        s = s.assign(**{segment: "all"})
    s[segment] = s[segment].fillna("unknown")
    frames = []
    for seg, part in s.groupby(segment):          # a handful of segments; everything inside is vectorised
        candidates = SuggestionCandidates.from_purchases(part, top, min_count)
        if candidates is None:
            continue
        # customers in slices of at most CANDIDATES_PER_SLICE candidate rows: a customer's suggestions
        # depend on that customer's rows only; taken in id order, so the slices' rows follow each other
        by_id = np.argsort(candidates.customer_ids, kind="stable")
        slice_of = np.cumsum(candidates.per_customer[by_id]) // CANDIDATES_PER_SLICE
        for k in np.unique(slice_of):
            frames.append(candidates.suggest(by_id[slice_of == k], seg))
    if not frames:
        return pd.DataFrame(columns=["segment", "customer_id", "rank", "product", "score", "because"])
    return pd.concat(frames, ignore_index=True)


class SuggestionCandidates:
    """The (customer, owned a, rule a → b) rows that can decide a customer's ``top`` suggestions, in
    integer codes (customers in order of first purchase, products in id order).

    All of them would be Σ over customers of the rules of what they own: 570 million rows on UCI
    Online Retail. Of a's rules, ranked by confidence, a customer who owns n products needs only the
    first ``top + n`` (with any rule tied with the last): at most n of those name a product already
    owned, so at least ``top`` unowned products score above every rule further down, which therefore
    neither enters the customer's top nor decides which a it is "because" of.
    ``per_customer``: the rows each customer needs; :meth:`rows` makes them for some customers.
    """

    def __init__(self, owned_customer, owned_product, n_customers, rule_a, rule_b, confidence, top: int):
        # rules by product a, then confidence descending: each a's block, its best rules first
        order = np.lexsort((-confidence, rule_a))
        self.rule_b, self.confidence = rule_b[order], confidence[order]
        a = rule_a[order]
        n_products = int(max(a.max(initial=-1), owned_product.max(initial=-1))) + 1
        count = np.bincount(a, minlength=n_products)
        start = np.cumsum(count) - count
        # the last position of each run of equal confidence within an a's block
        new_run = np.r_[True, (a[1:] != a[:-1]) | (self.confidence[1:] != self.confidence[:-1])]
        run_id = np.cumsum(new_run) - 1
        run_end = np.r_[np.flatnonzero(new_run)[1:], len(a)] - 1
        n_owned = np.bincount(owned_customer, minlength=n_customers)[owned_customer]
        with_rules = count[owned_product] > 0
        self.owned_customer = owned_customer[with_rules]
        self.owned_product = owned_product[with_rules]
        self.owned_position = np.flatnonzero(with_rules)      # the order the customer bought them in
        s = start[self.owned_product]
        last = s + np.minimum(top + n_owned[with_rules], count[self.owned_product]) - 1
        self.start = s
        self.keep = run_end[run_id[last]] - s + 1 if len(s) else np.zeros(0, dtype=np.int64)
        self.per_customer = np.bincount(self.owned_customer, weights=self.keep, minlength=n_customers).astype(np.int64)
        self.owned_keys = np.sort(owned_customer.astype(np.int64) * n_products + owned_product)
        self.n_products, self.top = n_products, top

    @classmethod
    def from_purchases(cls, purchases_: pd.DataFrame, top: int, min_count: int):
        """The candidates of one segment's purchase lines (None when no rule has ``min_count`` customers)."""
        customer, customer_ids = pd.factorize(purchases_["customer_id"])
        product, product_ids = pd.factorize(purchases_["product_id"], sort=True)
        present = (customer >= 0) & (product >= 0)
        customer, product = customer[present].astype(np.int64), product[present].astype(np.int64)
        if not len(customer):
            return None
        a, b, together, baskets = _co_occurrence(customer, product, len(customer_ids), len(product_ids),
                                                 min_count=max(1, int(min_count)))
        if not len(a):
            return None
        # each customer's products once, in the order first bought
        key = customer * len(product_ids) + product
        _, first = np.unique(key, return_index=True)
        first = np.sort(first)
        out = cls(customer[first], product[first], len(customer_ids), a, b, together / baskets[a], top)
        out.customer_ids = np.asarray(customer_ids, dtype=object)
        out.product_ids = np.asarray(product_ids, dtype=object)
        out.id_rank = np.argsort(np.argsort(out.customer_ids, kind="stable"), kind="stable")
        return out

    def rows(self, customers: np.ndarray | None = None):
        """``(customer, owned position, a, b, confidence)`` arrays of the rows of ``customers`` (codes;
        all when None)."""
        pick = np.ones(len(self.owned_customer), bool) if customers is None else np.isin(self.owned_customer,
                                                                                       customers)
        keep, s = self.keep[pick], self.start[pick]
        which = np.repeat(np.flatnonzero(pick), keep)
        rule = np.repeat(s, keep) + (np.arange(len(which)) - np.repeat(np.cumsum(keep) - keep, keep))
        return (self.owned_customer[which], self.owned_position[which], self.owned_product[which],
                self.rule_b[rule], self.confidence[rule])

    def suggest(self, customers: np.ndarray, segment) -> pd.DataFrame:
        """The top suggestions of ``customers`` (codes), none of a product they own."""
        c, pos, a, b, conf = self.rows(customers)
        if not len(c):
            return pd.DataFrame({"segment": segment, "customer_id": self.customer_ids[:0], "rank": c,
                                 "product": self.product_ids[:0], "score": conf, "because": self.product_ids[:0]})
        key = c.astype(np.int64) * self.n_products + b
        i = np.searchsorted(self.owned_keys, key)
        unowned = (i >= len(self.owned_keys)) | (self.owned_keys[np.minimum(i, len(self.owned_keys) - 1)] != key)
        c, pos, a, b, conf, key = c[unowned], pos[unowned], a[unowned], b[unowned], conf[unowned], key[unowned]
        if not len(c):
            return self.suggest(np.zeros(0, dtype=np.int64), segment)
        # per (customer, b): the best confidence, and of the a giving it the one bought first
        order = np.lexsort((pos, -conf, key))
        first = np.r_[True, key[order][1:] != key[order][:-1]]
        best = order[first]
        c, a, b, conf = c[best], a[best], b[best], conf[best]
        # per customer (in id order): by confidence descending, then product id
        order = np.lexsort((b, -conf, self.id_rank[c]))
        c, a, b, conf = c[order], a[order], b[order], conf[order]
        new = np.r_[True, c[1:] != c[:-1]]
        group_start = np.maximum.accumulate(np.where(new, np.arange(len(c)), 0))
        rank = np.arange(len(c)) - group_start + 1
        top = rank <= self.top
        return pd.DataFrame({"segment": segment, "customer_id": self.customer_ids[c[top]], "rank": rank[top],
                             "product": self.product_ids[b[top]], "score": conf[top],
                             "because": self.product_ids[a[top]]})


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
