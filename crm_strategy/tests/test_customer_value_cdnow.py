import collections
import importlib.util
import logging
import math
import warnings
from datetime import date
from pathlib import Path

import numpy as np

from odoo.tests import tagged
from odoo.tools import SQL

from ..services.rfm import rfm_scores
from .customer_value_common import CustomerValueCase

_logger = logging.getLogger(__name__)

END_OF_CALIBRATION = date(1997, 9, 30)
# Fader, Hardie & Lee (2005): BG/NBD on CDNOW, and the Gamma-Gamma spend model.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LOG_LIKELIHOOD = -9582.43
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


# Calibration ends for the full data set: after the first half-year (every customer has made
# a first purchase in the first quarter of 1997), the paper's 39 weeks, and all 78 weeks.
FULL_CALIBRATION_ENDS = (date(1997, 6, 30), date(1997, 9, 30), date(1998, 6, 30))
PARAMETER_TOLERANCE = 0.005
LOG_LIKELIHOOD_TOLERANCE = 0.001


def cdnow_path(name="CDNOW_sample.txt"):
    """A CDNOW file shipped in `lifetimes` (a test dependency), found without importing it."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None:
        raise AssertionError(
            "The test dependency 'lifetimes' is missing: pip install -r requirements-test.txt"
        )
    return Path(spec.origin).parent / "datasets" / name


def import_lifetimes():
    """The `lifetimes` package (a test dependency), quietly: it sets a pandas option that
    pandas 3 deprecates."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes  # noqa: PLC0415

    return lifetimes


def lifetimes_bgnbd(x, t_x, T):
    """The oracle for our BG/NBD fit: lifetimes' fitter on the same customers, its parameters
    and its log-likelihood (from its own function)."""
    BetaGeoFitter = import_lifetimes().BetaGeoFitter
    fitted = BetaGeoFitter().fit(x, t_x, T)
    log_likelihood = -x.size * BetaGeoFitter._negative_log_likelihood(
        np.log(fitted.params_.to_numpy()), x, t_x, T, np.ones_like(x), 0.0
    )
    return fitted.params_.to_dict(), log_likelihood


def read_cdnow(name):
    """(customer, day, amount) per line of a CDNOW file."""
    rows = []
    for line in cdnow_path(name).read_text().splitlines():
        customer, *_rest, day, _quantity, amount = line.split()
        if not day.isdigit():
            continue  # CDNOW_master's header
        rows.append((customer, date(int(day[:4]), int(day[4:6]), int(day[6:])), float(amount)))
    return rows


class CdnowCase(CustomerValueCase):
    """CDNOW purchases loaded as confirmed sale orders of the test's company, one order (and
    one line) per purchase, set-based in SQL: the ORM would take minutes for the full data set.
    The rows carry the columns a confirmed order has and the refresh reads; the test's
    transaction rolls them back. The CLV time unit is the week, as in the papers."""

    @classmethod
    def _load_cdnow(cls, name):
        cls.transactions = read_cdnow(name)
        customers = sorted({customer for customer, _day, _amount in cls.transactions})
        cr = cls.env.cr
        cr.execute(
            SQL(
                """
                INSERT INTO res_partner (name, complete_name, active, type, is_company,
                                         autopost_bills, create_uid, create_date, write_uid,
                                         write_date)
                SELECT 'CDNOW ' || c, 'CDNOW ' || c, TRUE, 'contact', TRUE, 'ask',
                       %(uid)s, NOW(), %(uid)s, NOW()
                  FROM UNNEST(%(customers)s::text[]) c
                RETURNING id, name
                """,
                customers=customers,
                uid=cls.env.uid,
            )
        )
        partner_of = {name.removeprefix("CDNOW "): id_ for id_, name in cr.fetchall()}
        cr.execute(
            "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
            [list(partner_of.values())],
        )
        company = cls.company
        cr.execute(
            SQL(
                """
                WITH purchases AS (
                    SELECT * FROM UNNEST(%(partners)s::int[], %(days)s::date[],
                                         %(amounts)s::numeric[]) WITH ORDINALITY
                        AS p(partner_id, day, amount, n)
                ),
                orders AS (
                    INSERT INTO sale_order (name, partner_id, partner_invoice_id,
                                            partner_shipping_id, company_id, currency_id,
                                            currency_rate, date_order, state, amount_untaxed,
                                            amount_tax, amount_total, create_uid, create_date,
                                            write_uid, write_date)
                    SELECT 'CDNOW/' || n, partner_id, partner_id, partner_id, %(company)s,
                           %(currency)s, 1.0, day + TIME '12:00', 'sale', amount, 0, amount,
                           %(uid)s, NOW(), %(uid)s, NOW()
                      FROM purchases
                    RETURNING id, amount_untaxed
                )
                INSERT INTO sale_order_line (order_id, name, product_id, product_uom_qty,
                                             price_unit, price_subtotal, price_total,
                                             customer_lead, company_id, currency_id, state,
                                             create_uid, create_date, write_uid, write_date)
                SELECT id, 'CDNOW purchase', %(product)s, 1, amount_untaxed, amount_untaxed,
                       amount_untaxed, 0, %(company)s, %(currency)s, 'sale',
                       %(uid)s, NOW(), %(uid)s, NOW()
                  FROM orders
                """,
                partners=[partner_of[customer] for customer, _d, _a in cls.transactions],
                days=[day for _c, day, _a in cls.transactions],
                amounts=[amount for _c, _d, amount in cls.transactions],
                company=company.id,
                currency=company.currency_id.id,
                product=cls.product.id,
                uid=cls.env.uid,
            )
        )
        cls.env.invalidate_all()
        cls.company.clv_time_unit = "week"


@tagged("post_install", "-at_install")
class TestCustomerValueCdnow(CdnowCase):
    """The published CDNOW results, reproduced through sale orders and the user's refresh."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_cdnow("CDNOW_sample.txt")

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


def summary_per_day(transactions, end):
    """(x, t_x, T in weeks, mean repeat spend) per customer as of `end`, built here, apart
    from the module: purchases aggregated per day (lifetimes' freq="D", freq_multiplier=7)."""
    days = collections.defaultdict(lambda: collections.defaultdict(float))
    for customer, day, amount in transactions:
        if day <= end:
            days[customer][day] += amount
    rows = []
    for spend in days.values():
        ordered = sorted(spend)
        x = len(ordered) - 1
        repeat_mean = sum(spend[day] for day in ordered[1:]) / x if x else 0.0
        rows.append(
            (x, (ordered[-1] - ordered[0]).days / 7, (end - ordered[0]).days / 7, repeat_mean)
        )
    return np.array(rows, dtype=float).T


@tagged("post_install", "-at_install")
class TestCustomerValueCdnowFull(CdnowCase):
    """All of CDNOW (23,570 customers, 69,659 purchases) loaded as confirmed sale orders and
    refreshed by a manager at three dates: the fits are those of `lifetimes` on every customer.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_cdnow("CDNOW_master.txt")

    def _lifetimes_fits(self, end):
        """lifetimes' own fitters on the same customers: the oracle."""
        GammaGammaFitter = import_lifetimes().GammaGammaFitter
        x, t_x, T, m = summary_per_day(self.transactions, end)
        bgnbd_params, bgnbd_ll = lifetimes_bgnbd(x, t_x, T)
        keep = (x > 0) & (m > 0)
        gamma = GammaGammaFitter().fit(x[keep], m[keep])
        # Its log-likelihood, in weeks, from its own function.
        gamma_ll = -keep.sum() * GammaGammaFitter._negative_log_likelihood(
            np.log(gamma.params_.to_numpy()), x[keep], m[keep], np.ones(keep.sum()), 0.0
        )
        params = {**bgnbd_params, **gamma.params_.to_dict()}
        return x.size, int(np.sum(x > 0)), params, bgnbd_ll, gamma_ll

    def test_refresh_fits_every_customer_like_lifetimes(self):
        Refresh = self.env["crm.customer.value.refresh"].with_user(self.manager)
        Fit = self.env["crm.clv.fit"]
        for end in FULL_CALIBRATION_ENDS:
            with self.subTest(as_of=end):
                Refresh.create(
                    {"as_of_date": end, "company_ids": self.company.ids}
                ).action_refresh()
                fit = Fit.search(
                    [("company_id", "=", self.company.id), ("as_of_date", "=", end)], limit=1
                )
                customers, repeat_buyers, expected, bgnbd_ll, gamma_ll = self._lifetimes_fits(end)
                self.assertEqual(
                    (fit.customer_count, fit.repeat_buyer_count), (customers, repeat_buyers)
                )
                self.assertTrue(fit.bgnbd_converged and fit.gamma_gamma_converged, fit.message)
                _logger.info(
                    "CDNOW as of %s: deviation from lifetimes %s, log-likelihoods %.2e %.2e",
                    end,
                    {name: f"{fit[name] / value - 1:.1e}" for name, value in expected.items()},
                    fit.bgnbd_log_likelihood / bgnbd_ll - 1,
                    fit.gamma_gamma_log_likelihood / gamma_ll - 1,
                )
                for name, value in expected.items():
                    self.assertLessEqual(
                        abs(fit[name] / value - 1),
                        PARAMETER_TOLERANCE,
                        f"{name}: {fit[name]} vs {value}",
                    )
                self.assertLessEqual(
                    abs(fit.bgnbd_log_likelihood / bgnbd_ll - 1), LOG_LIKELIHOOD_TOLERANCE
                )
                self.assertLessEqual(
                    abs(fit.gamma_gamma_log_likelihood / gamma_ll - 1), LOG_LIKELIHOOD_TOLERANCE
                )
        values = self.env["crm.customer.value"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(values), 23_570, "every CDNOW customer has a value as of mid-1998")
        self.assertEqual(set(values.mapped("clv_basis")), {"model"})
        self.assertFalse(
            [v for v in values.mapped("clv_predicted") if not math.isfinite(v) or v < 0]
        )
