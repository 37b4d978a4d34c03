"""RFM quintile scores. The customer-value refresh scores R and F with them; M, a rank
of exact sums of money, stays in SQL, and the CDNOW test checks it against them.

A customer's score on one measure is the quintile of their value among the
company's customers, 1 (lowest fifth) to 5 (highest fifth). Equal values get
equal scores: the score depends only on how many customers rank strictly
below, `score = 1 + floor(5 * below / n)`, which the database computes as
`1 + 5 * (rank() - 1) / count(*)`. Recency is scored on its negative so that
5 means the most recent.
"""

import numpy as np


def quintile_scores(values, higher_is_better=True):
    """Scores 1-5 for `values` (1-D), ties sharing a score."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if not n:
        return np.zeros(0, dtype=int)
    keyed = values if higher_is_better else -values
    below = np.searchsorted(np.sort(keyed), keyed, side="left")
    return 1 + (5 * below) // n


def rfm_scores(recency_days, frequency, monetary):
    """(R, F, M) score arrays: 5 = most recent, most frequent, highest spend."""
    return (
        quintile_scores(recency_days, higher_is_better=False),
        quintile_scores(frequency),
        quintile_scores(monetary),
    )


def find_cell_conflicts(ranges):
    """Gaps and overlaps of segment ranges over the 5x5 (R, F) grid.

    `ranges` is a list of (name, r_min, r_max, f_min, f_max). Returns
    (gaps, overlaps): the (r, f) cells no segment covers, and a dict
    {(r, f): [names]} for cells covered more than once.
    """
    owners = {(r, f): [] for r in range(1, 6) for f in range(1, 6)}
    for name, r_min, r_max, f_min, f_max in ranges:
        for r in range(max(1, r_min), min(5, r_max) + 1):
            for f in range(max(1, f_min), min(5, f_max) + 1):
                owners[(r, f)].append(name)
    gaps = sorted(cell for cell, names in owners.items() if not names)
    overlaps = {cell: names for cell, names in owners.items() if len(names) > 1}
    return gaps, overlaps
