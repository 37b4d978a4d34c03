import numpy as np

from crm_strategy.services import rfm


def test_quintiles_split_customers_in_fifths():
    assert list(rfm.quintile_scores(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_equal_values_get_equal_scores():
    scores = rfm.quintile_scores([3, 3, 3, 3, 10])
    assert list(scores) == [1, 1, 1, 1, 5]


def test_recency_scores_most_recent_highest():
    r, f, m = rfm.rfm_scores([1, 400], [5, 1], [100.0, -20.0])
    assert [list(r), list(f), list(m)] == [[3, 1], [3, 1], [3, 1]]


def test_single_customer_scores_one():
    assert list(rfm.quintile_scores([42.0])) == [1]
    assert rfm.quintile_scores(np.array([])).size == 0


def test_cell_conflicts_report_gaps_and_overlaps():
    gaps, overlaps = rfm.find_cell_conflicts([("A", 1, 5, 1, 3), ("B", 1, 5, 3, 4)])
    assert gaps == [(r, 5) for r in range(1, 6)]
    assert overlaps[(2, 3)] == ["A", "B"]
    assert len(overlaps) == 5
