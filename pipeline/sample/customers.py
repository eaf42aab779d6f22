"""The customers: names, industries, tiers, value drivers and regions (``customers.csv``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.sample.config import (
    CUSTOMER_HEADERS,
    DISTRICTS,
    DRIVER_PROBS,
    FILE_CUSTOMERS,
    INDUSTRIES,
    INDUSTRY_SHARE,
    TIER_PROBS,
)
from pipeline.sample.draws import pick, pick_weighted
from pipeline.sample.files import write_csv
from pipeline.sample.names import ANCHORS, TraditionalToSimplified, name_key, name_pools, would_fuzzy_merge


def make_customers(rng: np.random.Generator, n: int, t2s: TraditionalToSimplified) -> list[dict]:
    """``n`` customers ``C0001``...: the thesis customers (``ANCHORS``) first, then names from their
    industry's pool (manufacturers' once it runs out) whose Simplified form is not taken and that would
    not fuzzy-merge with a name taken; then each one's value driver, tier and region."""
    pools = name_pools()
    anchors = ANCHORS[: min(n, len(ANCHORS))]
    industries = [a[1] for a in anchors] + [
        INDUSTRIES[int(i)] for i in rng.choice(len(INDUSTRIES), size=n - len(anchors), p=INDUSTRY_SHARE)]
    names = [a[0] for a in anchors]
    keys = [name_key(x) for x in names]
    used_simplified = {t2s(x) for x in names}
    perm = {ind: [pools[ind][int(j)] for j in rng.permutation(len(pools[ind]))] for ind in INDUSTRIES}
    pos = dict.fromkeys(INDUSTRIES, 0)

    def take(ind: str) -> str | None:
        pool = perm[ind]
        while pos[ind] < len(pool):
            cand = pool[pos[ind]]
            pos[ind] += 1
            k = name_key(cand)
            if t2s(cand) in used_simplified or would_fuzzy_merge(k, keys):
                continue
            return cand
        return None

    for i in range(len(anchors), n):
        ind = industries[i]
        name = take(ind)
        if name is None:
            ind = "manufacturer"
            name = take(ind)
        if name is None:
            raise ValueError(f"cannot generate {n} distinct customer names; use fewer customers")
        industries[i] = ind
        names.append(name)
        keys.append(name_key(name))
        used_simplified.add(t2s(name))

    customers = []
    for i in range(n):
        ind = industries[i]
        driver = pick_weighted(rng, ("functional", "economic", "psychological"), DRIVER_PROBS[ind])
        p_vip, p_large = TIER_PROBS[ind]
        if driver == "psychological":
            p_vip = min(0.6, p_vip * 1.8 + 0.01)
        u = rng.random()
        tier = "VIP" if u < p_vip else ("Large" if u < p_vip + p_large else "SMB")
        if i < len(anchors):
            tier = anchors[i][3]
        customers.append({
            "customer_id": f"C{i + 1:04d}", "name": names[i], "industry": ind, "tier": tier,
            "driver": driver, "region": pick(rng, DISTRICTS),
            "thesis_name": anchors[i][2] if i < len(anchors) else None,
        })

    return customers


def write_customers_file(out: Path, custs: list[dict], written: dict[str, set[str]]) -> dict:
    """Write customers.csv (UTF-8, no BOM) into ``out``: every customer, with its alias where listed.

    Adds each name written to ``written`` (customer id -> the names it is written as anywhere); returns
    the file's quirk record (none are planted)."""
    crow = []
    for c in custs:
        aliases = c["alias"] if c.get("alias_listed") else ""
        crow.append([c["customer_id"], c["name"], aliases, c["industry"], c["tier"], c["region"]])
        written[c["customer_id"]].add(c["name"])
        if aliases:
            written[c["customer_id"]].add(aliases)
    write_csv(out / FILE_CUSTOMERS, CUSTOMER_HEADERS, crow, "utf-8")
    return {"exact_duplicates": 0, "rejects": [], "rows_read": len(crow)}
