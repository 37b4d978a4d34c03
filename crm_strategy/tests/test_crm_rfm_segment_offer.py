from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import CrmStrategyCase, in_segment


@tagged("post_install", "-at_install")
class TestRfmSegmentOffer(CrmStrategyCase):
    """Send Offer on a segment: Odoo's coupon generation for its customers, e-mailed, and
    measured once the coupons are used on orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.at_risk = cls.env.ref("crm_strategy.crm_rfm_segment_at_risk")
        cls.partners = cls.env["res.partner"].create(
            [{"name": n, "email": f"{n}@example.com"} for n in ("ann", "bob", "withdrawn", "bl")]
        )
        cls.env["crm.customer.value"].create(
            [
                {"partner_id": p.id, "company_id": cls.env.company.id, **in_segment(cls.at_risk)}
                for p in cls.partners
            ]
        )
        cls.partners[2].crm_profiling_withdrawn = True
        cls.env["mail.blacklist"]._add("bl@example.com")
        cls.product = cls.env["product.product"].create({"name": "Beans", "list_price": 100.0})
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Come back",
                "program_type": "coupons",
                "trigger": "with_code",
                "applies_on": "current",
                "reward_ids": [
                    Command.create(
                        {"reward_type": "discount", "discount": 10, "discount_mode": "percent"}
                    )
                ],
                "communication_plan_ids": [
                    Command.create(
                        {
                            "trigger": "create",
                            "mail_template_id": cls.env.ref(
                                "loyalty.mail_template_loyalty_card"
                            ).id,
                        }
                    )
                ],
            }
        )

    def _send_offer(self, user):
        action = self.at_risk.with_user(user).action_crm_send_offer()
        wizard_form = Form(
            self.env["loyalty.generate.wizard"].with_user(user).with_context(**action["context"])
        )
        wizard_form.program_id = self.program
        wizard = wizard_form.save()
        wizard.generate_coupons()

    def test_offer_coupons_created_mailed_and_measured(self):
        self._send_offer(self.manager)
        coupons = self.env["loyalty.card"].search([("crm_offer_segment_id", "=", self.at_risk.id)])
        self.assertEqual(
            sorted(coupons.partner_id.mapped("name")),
            ["ann", "bob"],
            "neither the withdrawn contact nor the blacklisted address gets an offer",
        )
        mails = self.env["mail.mail"].search(
            [("model", "=", "loyalty.card"), ("res_id", "in", coupons.ids)]
        )
        self.assertEqual(len(mails), 2, "each coupon is e-mailed by the program")
        self.assertEqual(self.at_risk.crm_offer_count, 2)
        self.assertEqual(self.at_risk.crm_offer_used_count, 0)
        # ann uses her coupon on an order
        ann_coupon = coupons.filtered(lambda c: c.partner_id.name == "ann")
        order = self.env["sale.order"].create(
            {
                "partner_id": ann_coupon.partner_id.id,
                "order_line": [
                    Command.create({"product_id": self.product.id, "product_uom_qty": 2})
                ],
            }
        )
        status = order._try_apply_code(ann_coupon.code)
        self.assertNotIn("error", status)
        order._apply_program_reward(self.program.reward_ids, ann_coupon)
        self.assertEqual(order.order_line.coupon_id, ann_coupon)
        self.at_risk.invalidate_recordset()
        self.assertEqual(self.at_risk.crm_offer_used_count, 0, "a quotation does not count")
        order.action_confirm()
        self.at_risk.invalidate_recordset()
        self.assertEqual(self.at_risk.crm_offer_used_count, 1)
        self.assertAlmostEqual(self.at_risk.crm_offer_revenue, order.amount_untaxed)

    def test_reps_cannot_send_offers(self):
        with self.assertRaises(AccessError):
            self.at_risk.with_user(self.rep).action_crm_send_offer()
