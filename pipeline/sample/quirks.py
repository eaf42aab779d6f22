"""The planted data-quality quirks: exact duplicate rows and corrupt rows, recorded for ``truth.quirks``."""

from __future__ import annotations


def plant_quirks(rng, rows: list[list], n_dups: int, corruptions: list[tuple[str, callable, callable]],
                 first_row: int) -> tuple[list[list], dict, dict[int, int]]:
    """Insert exact duplicates and corrupt rows; return the rows, the quirk record and, per index into
    ``rows``, the row number where that row ends up.

    ``corruptions``: (reason, eligible(i) -> bool, corrupt(row) -> row). Row numbers count from
    ``first_row`` (the spreadsheet row of the first data row).
    """
    n = len(rows)
    taken: set[int] = set()
    rejects = []
    for reason, eligible, corrupt in corruptions:
        cands = [i for i in range(n) if i not in taken and eligible(i)]
        i = cands[int(rng.integers(len(cands)))]
        taken.add(i)
        rows[i] = corrupt(rows[i])
        rejects.append((i, reason))
    dups = []
    limit = max(1, int(n * 0.8))
    for _ in range(n_dups):
        cands = [i for i in range(limit) if i not in taken]
        src = cands[int(rng.integers(len(cands)))]
        taken.add(src)
        after = min(n - 1, src + int(rng.integers(3, 200)))
        dups.append((after, src))
    inserted_after: dict[int, list[int]] = {}
    for after, src in dups:
        inserted_after.setdefault(after, []).append(src)
    final, position = [], {}
    for i, row in enumerate(rows):
        position[i] = len(final)
        final.append(row)
        for src in inserted_after.get(i, []):
            final.append(list(rows[src]))
    record = {"exact_duplicates": n_dups,
              "rejects": sorted(({"row": position[i] + first_row, "reason": r} for i, r in rejects),
                                key=lambda x: x["row"]),
              "rows_read": len(final)}
    row_of = {i: position[i] + first_row for i in range(n)}
    return final, record, row_of
