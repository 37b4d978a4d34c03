import collections
import importlib.util
from datetime import date
from pathlib import Path

from odoo.tests import tagged

from ..services.rfm import rfm_scores
from .customer_value_common import CustomerValueCase

END_OF_CALIBRATION = date(1997, 9, 30)
# Fader, Hardie & Lee (2005): BG/NBD on CDNOW, and the Gamma-Gamma spend model.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LOG_LIKELIHOOD = -9582.43
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


def cdnow_sample_path():
    """The CDNOW sample shipped in `lifetimes` (a test dependency), found without importing it."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None:
        raise AssertionError(
            "The test dependency 'lifetimes' is missing: pip install -r requirements-test.txt"
        )
    return Path(spec.origin).parent / "datasets" / "CDNOW_sample.txt"


@tagged("post_install", "-at_install")
class TestCustomerValueCdnow(CustomerValueCase):
    """The published CDNOW results, reproduced through sale orders and the user's refresh."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        transactions = collections.defaultdict(list)
        for line in cdnow_sample_path().read_text().splitlines():
            customer, _id, day, _quantity, amount = line.split()
            day = date(int(day[:4]), int(day[4:6]), int(day[6:]))
            transactions[customer].append((day, float(amount)))
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"CDNOW {customer}"} for customer in transactions]
        )
        rows = [
            (partner, day, amount)
            for partner, purchases in zip(cls.partners, transactions.values(), strict=True)
            for day, amount in purchases
        ]
        cls._orders(rows)
        cls.company.clv_time_unit = "week"

    def test_refresh_reproduces_published_parameters(self):
        fit = self._refresh(END_OF_CALIBRATION)
        self.assertEqual(fit.customer_count, 2357)
        self.assertEqual(fit.repeat_buyer_count, 946)
        self.assertTrue(fit.bgnbd_converged and fit.gamma_gamma_converged)
        for name, published in {**PUBLISHED_BGNBD, **PUBLISHED_GAMMA_GAMMA}.items():
            self.assertAlmostEqual(fit[name] / published, 1.0, delta=0.01, msg=name)
        self.assertAlmostEqual(fit.bgnbd_log_likelihood / PUBLISHED_LOG_LIKELIHOOD, 1.0, delta=0.01)

        values = self.env["crm.customer.value"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(values), 2357, "every CDNOW customer gets a value row")
        self.assertEqual(set(values.mapped("clv_basis")), {"model"})
        self.assertTrue(all(0 <= v.probability_alive <= 1 for v in values))
        self.assertTrue(all(v.clv_total >= v.monetary_total for v in values))
        # The database's quintiles are the reference implementation's, customer for customer.
        r, f, m = rfm_scores(
            values.mapped("recency_days"),
            values.mapped("frequency"),
            values.mapped("monetary_total"),
        )
        self.assertEqual(
            [list(r), list(f), list(m)],
            [values.mapped("r_score"), values.mapped("f_score"), values.mapped("m_score")],
        )
        # The 5x5 grid: every customer has one segment and scores from 1 to 5.
        self.assertFalse(values.filtered(lambda v: not v.segment_id))
        self.assertEqual(
            set(values.mapped("r_score")) | set(values.mapped("f_score")), {1, 2, 3, 4, 5}
        )
