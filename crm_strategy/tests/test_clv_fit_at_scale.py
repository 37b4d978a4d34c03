import warnings

import numpy as np

from odoo.tests import BaseCase, tagged

from ..services import clv
from .test_customer_value_cdnow import LOG_LIKELIHOOD_TOLERANCE, PARAMETER_TOLERANCE

# The BG/NBD the customers below are drawn from (weeks), close to CDNOW's.
TRUE_BGNBD = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}


def simulate_bgnbd(customers, seed=0, max_purchases=400):
    """(x, t_x, T) in weeks of `customers` drawn from BG/NBD: each buys at a Gamma(r, alpha)
    rate from a first purchase 30 to 1,000 days ago, on whole days, and after each repeat
    purchase drops out with a Beta(a, b) probability."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(TRUE_BGNBD["r"], 1 / TRUE_BGNBD["alpha"], customers)
    dropout = rng.beta(TRUE_BGNBD["a"], TRUE_BGNBD["b"], customers)
    T = rng.integers(30, 1000, customers) / 7.0
    last_purchase = rng.geometric(dropout)
    times = np.cumsum(rng.exponential(1.0, (customers, max_purchases)), axis=1) / rate[:, None]
    times = np.floor(times * 7) / 7
    made = (times <= T[:, None]) & (
        np.arange(1, max_purchases + 1)[None, :] <= last_purchase[:, None]
    )
    x = made.sum(axis=1).astype(float)
    t_x = np.where(x > 0, times[np.arange(customers), np.maximum(x - 1, 0).astype(int)], 0.0)
    return x, t_x, T


@tagged("post_install", "-at_install")
class TestClvFitAtScale(BaseCase):
    """Above `clv.COARSE_GROUPS` distinct (x, t_x, T) the BG/NBD fit takes another path (a
    first fit on rounded times, then L-BFGS-B on the exact groups): the one every shop with
    tens of thousands of customers takes. CDNOW (at most 11,104 groups) never reaches it."""

    def test_many_distinct_customers_fit_like_lifetimes(self):
        with warnings.catch_warnings():  # lifetimes sets a pandas option pandas 3 deprecates
            warnings.simplefilter("ignore")
            from lifetimes import BetaGeoFitter  # noqa: PLC0415

        x, t_x, T = simulate_bgnbd(60_000)
        (gx, gt, gT), counts, _group = clv.group_rows(x, t_x, T)
        self.assertGreater(gx.size, clv.COARSE_GROUPS, "the data must take the large path")
        ours = clv.fit_bgnbd(gx, gt, gT, counts)
        self.assertTrue(ours.converged, ours.message)

        theirs = BetaGeoFitter().fit(x, t_x, T)
        expected = theirs.params_.to_dict()
        their_ll = -x.size * BetaGeoFitter._negative_log_likelihood(
            np.log(theirs.params_.to_numpy()), x, t_x, T, np.ones_like(x), 0.0
        )
        for name, value in expected.items():
            self.assertLessEqual(
                abs(ours.params[name] / value - 1),
                PARAMETER_TOLERANCE,
                f"{name}: {ours.params[name]} vs lifetimes' {value}",
            )
        self.assertLessEqual(abs(ours.log_likelihood / their_ll - 1), LOG_LIKELIHOOD_TOLERANCE)
        # And both find the model the customers were drawn from.
        for name, value in TRUE_BGNBD.items():
            self.assertLessEqual(abs(ours.params[name] / value - 1), 0.1, name)
