import numpy as np

from odoo.tests import BaseCase, tagged

from ..services import clv
from .test_customer_value_cdnow import (
    LOG_LIKELIHOOD_TOLERANCE,
    PARAMETER_TOLERANCE,
    import_lifetimes,
    lifetimes_bgnbd,
)


@tagged("post_install", "-at_install")
class TestClvFitAtScale(BaseCase):
    """Above `clv.COARSE_GROUPS` distinct (x, t_x, T) the BG/NBD fit takes another path (a
    first fit on rounded times, then L-BFGS-B on the exact groups): the one every shop with
    tens of thousands of customers takes. CDNOW (at most 11,104 groups) never reaches it."""

    def test_many_distinct_customers_fit_like_lifetimes(self):
        # 60,000 customers drawn by lifetimes' own BG/NBD generator (CDNOW-like parameters, in
        # weeks, first purchases 30 to 1,000 days ago), from a fixed seed; numpy's global
        # random state, which that generator uses, is put back after.
        generate_data = import_lifetimes().generate_data
        state = np.random.get_state()
        try:
            np.random.seed(0)
            T = np.random.randint(30, 1000, 60_000) / 7.0
            customers = generate_data.beta_geometric_nbd_model(T, 0.25, 4.0, 0.8, 2.5, T.size)
        finally:
            np.random.set_state(state)
        x, t_x, T = (customers[name].to_numpy(float) for name in ("frequency", "recency", "T"))

        (gx, gt, gT), counts, _group = clv.group_rows(x, t_x, T)
        self.assertGreater(gx.size, clv.COARSE_GROUPS, "the data must take the large path")
        ours = clv.fit_bgnbd(gx, gt, gT, counts)
        self.assertTrue(ours.converged, ours.message)

        expected, their_ll = lifetimes_bgnbd(x, t_x, T)
        for name, value in expected.items():
            self.assertLessEqual(
                abs(ours.params[name] / value - 1),
                PARAMETER_TOLERANCE,
                f"{name}: {ours.params[name]} vs lifetimes' {value}",
            )
        self.assertLessEqual(abs(ours.log_likelihood / their_ll - 1), LOG_LIKELIHOOD_TOLERANCE)
