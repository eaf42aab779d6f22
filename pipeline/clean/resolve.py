"""One customer id and canonical name for every row of every table (names resolved across tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.columns import (
    categorical_from_values,
)
from pipeline.clean.customers import resolve_customers
from pipeline.contract import PROCESSED_COLUMNS


def _registry(customers: pd.DataFrame, sales: pd.DataFrame) -> pd.DataFrame:
    parts = []
    if len(customers):
        c = customers.copy()
        c["customer_id"] = c["customer_id"].fillna("")
        parts.append(c[["customer_id", "customer_name", "aliases"]])
    if len(sales):
        s = sales.dropna(subset=["customer_id", "customer_name"]).drop_duplicates(["customer_id", "customer_name"])
        parts.append(s[["customer_id", "customer_name"]].assign(aliases=[[] for _ in range(len(s))]))
    if not parts:
        return pd.DataFrame(columns=["customer_id", "customer_name", "aliases"])
    reg = pd.concat(parts, ignore_index=True)
    reg = reg[reg["customer_name"].notna() | (reg["customer_id"] != "")]
    from pipeline.clean.customers import derived_id, name_key
    missing = reg["customer_id"] == ""
    reg.loc[missing, "customer_id"] = reg.loc[missing, "customer_name"].map(lambda n: derived_id(name_key(n)))
    reg["customer_name"] = reg["customer_name"].fillna(reg["customer_id"])
    return reg


def _customer_pairs(table: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """``(codes, pairs)``: the distinct (customer_id, customer_name) pairs of a table in order of first
    appearance, with ``rows`` (how many rows carry each), and each row's pair. Resolution is a
    function of the pair, so it runs on the few thousand pairs, not on ten million rows."""
    def factorized(column):
        if isinstance(column.dtype, pd.CategoricalDtype):     # already: codes and categories
            return column.cat.codes.to_numpy(), np.asarray(column.cat.categories, dtype=object)
        return pd.factorize(column.to_numpy(dtype=object))

    ids, id_values = factorized(table["customer_id"])
    names, name_values = factorized(table["customer_name"])
    width = len(name_values) + 1
    codes, combined = pd.factorize((ids.astype(np.int64) + 1) * width + (names + 1))
    id_code, name_code = combined // width - 1, combined % width - 1
    id_values = np.append(np.asarray(id_values, dtype=object), None)       # code -1 (missing) → None
    name_values = np.append(np.asarray(name_values, dtype=object), None)
    pairs = pd.DataFrame({"customer_id": id_values[id_code], "customer_name": name_values[name_code],
                          "rows": np.bincount(codes, minlength=len(combined))})
    return codes, pairs


def resolve_all(tables: dict[str, pd.DataFrame], overrides: dict[str, str]):
    """Give every row of every table its ``customer_id`` and canonical ``customer_name``."""
    pairs = {name: _customer_pairs(t) for name, t in tables.items()
             if name != "customers" and len(t) and "customer_name" in t}
    sales_pairs = pairs["sales"][1] if "sales" in pairs else tables["sales"]
    registry = _registry(tables["customers"], sales_pairs)
    written = [np.repeat(p["customer_name"].to_numpy()[no_id], p["rows"].to_numpy()[no_id])
               for _codes, p in pairs.values() for no_id in [p["customer_id"].isna().to_numpy()]]
    if len(tables["customers"]):
        c = tables["customers"]
        written.append(c["customer_name"][c["customer_id"].isna()].to_numpy())
    names = pd.Series(np.concatenate(written) if written else [], dtype=object).dropna()
    resolution = resolve_customers(registry, names, overrides=overrides)
    by_name = resolution.set_index("name")
    canonical = registry.drop_duplicates("customer_id").set_index("customer_id")["customer_name"]
    seen_parts = []
    for name, (codes, p) in pairs.items():
        table = tables[name]
        need = p["customer_id"].isna()
        p.loc[need, "customer_id"] = p.loc[need, "customer_name"].map(by_name["customer_id"])
        written_name = p["customer_name"]
        p["customer_name"] = p["customer_id"].map(canonical).fillna(
            p["customer_id"].map(by_name.drop_duplicates("customer_id").set_index("customer_id")["canonical_name"])
        ).fillna(written_name)
        # categoricals, like the other text until the end: cheap to sort, validate and copy
        table["customer_id"] = categorical_from_values(codes, p["customer_id"].to_numpy(dtype=object), table.index)
        table["customer_name"] = categorical_from_values(codes, p["customer_name"].to_numpy(dtype=object), table.index)
        # a ticket export with no customer column has rows with no customer: no customer of their own
        seen_parts.append(p.loc[p["customer_id"].notna(), ["customer_id", "customer_name"]])
    # the customers table: the registry plus every customer seen only in transactions
    known = registry.drop_duplicates("customer_id")
    attrs = None
    if len(tables["customers"]):
        # a registry row known by name only takes the id its name resolved to: de-duplicated on the
        # empty id, every such row collapsed into one and their tiers, industries and regions were lost
        c = tables["customers"]
        ids = c["customer_id"].where(c["customer_id"].notna(), c["customer_name"].map(by_name["customer_id"]))
        attrs = c.assign(customer_id=ids).dropna(subset=["customer_id"]).drop_duplicates("customer_id")
    seen = pd.concat(seen_parts, ignore_index=True).drop_duplicates("customer_id") if seen_parts else \
        pd.DataFrame(columns=["customer_id", "customer_name"])
    new = seen[~seen["customer_id"].isin(known["customer_id"])]
    customers = pd.concat([known[["customer_id", "customer_name"]], new], ignore_index=True)
    # a customer known only by its id (an export without names) is named by its id
    customers["customer_name"] = customers["customer_name"].where(customers["customer_name"].notna(),
                                                                  customers["customer_id"])
    aliases = resolution.groupby("customer_id")["name"].agg(list)
    listed = (attrs.set_index("customer_id")["aliases"] if attrs is not None else pd.Series(dtype=object))
    customers["aliases"] = [sorted(set((listed.get(c) if isinstance(listed.get(c), list) else []) +
                                       [a for a in aliases.get(c, []) if a != n]))
                            for c, n in zip(customers["customer_id"], customers["customer_name"])]
    for column in ("industry", "tier", "region"):
        customers[column] = customers["customer_id"].map(attrs.set_index("customer_id")[column]) if attrs is not None \
            else None
    customers = customers.sort_values("customer_id").reset_index(drop=True)
    tables["customers"] = customers[PROCESSED_COLUMNS["customers"]]
    return resolution
