from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL


class CrmRfmSegment(models.Model):
    # offers sent to a segment and their outcome (one concept per file)
    _inherit = "crm.rfm.segment"  # pylint: disable=consider-merging-classes-inherited

    crm_offer_count = fields.Integer(
        string="Offers Sent", compute="_compute_crm_offer_stats", compute_sudo=True
    )
    crm_offer_used_count = fields.Integer(
        string="Offers Used",
        compute="_compute_crm_offer_stats",
        compute_sudo=True,
        help="Coupons sent to this segment that were used on a confirmed sales order.",
    )
    crm_offer_revenue = fields.Monetary(
        string="Offer Revenue",
        compute="_compute_crm_offer_stats",
        compute_sudo=True,
        help="Untaxed total of the confirmed sales orders (current company) that used a coupon "
        "sent to this segment.",
    )

    def _compute_crm_offer_stats(self):
        company = self.env.company
        segments = self.filtered("id")
        sent = dict(
            self.env["loyalty.card"]._read_group(
                [("crm_offer_segment_id", "in", segments.ids)],
                ["crm_offer_segment_id"],
                ["__count"],
            )
        )
        used, revenue = {}, {}
        if segments:
            lines = self.env["sale.order.line"]._search(
                [
                    ("coupon_id.crm_offer_segment_id", "in", segments.ids),
                    ("order_id.state", "=", "sale"),
                    ("company_id", "=", company.id),
                ]
            )
            self.env["loyalty.card"].flush_model(["crm_offer_segment_id"])
            self.env["sale.order"].flush_model(["amount_untaxed"])
            rows = self.env.execute_query(
                SQL(
                    """
                    WITH used AS (
                        SELECT DISTINCT c.crm_offer_segment_id AS segment_id, l.coupon_id,
                               l.order_id
                          FROM sale_order_line l
                          JOIN loyalty_card c ON c.id = l.coupon_id
                         WHERE l.id IN %s
                    )
                    SELECT u.segment_id, u.coupons, r.revenue
                      FROM (SELECT segment_id, COUNT(DISTINCT coupon_id) AS coupons
                              FROM used GROUP BY segment_id) u
                      JOIN (SELECT o.segment_id, SUM(so.amount_untaxed) AS revenue
                              FROM (SELECT DISTINCT segment_id, order_id FROM used) o
                              JOIN sale_order so ON so.id = o.order_id
                          GROUP BY o.segment_id) r ON r.segment_id = u.segment_id
                    """,
                    lines.subselect(),
                )
            )
            used = {row[0]: row[1] for row in rows}
            revenue = {row[0]: row[2] for row in rows}
        for segment in self:
            segment.crm_offer_count = sent.get(segment, 0)
            segment.crm_offer_used_count = used.get(segment.id, 0)
            segment.crm_offer_revenue = revenue.get(segment.id, 0.0)

    def _crm_offer_customers(self):
        """Customers of the segment an offer may be sent to: not blacklisted, consent kept."""
        self.ensure_one()
        return self.env["res.partner"].search(
            [
                ("rfm_segment_id", "=", self.id),
                ("crm_profiling_withdrawn", "=", False),
                ("is_blacklisted", "=", False),
            ]
        )

    def action_crm_send_offer(self):
        """Odoo's coupon generation, for the customers of this segment."""
        self.ensure_one()
        if not self.env["loyalty.card"].has_access("create"):
            raise AccessError(self.env._("Only sales administrators may generate coupons."))
        program = self.env["loyalty.program"].search(
            [
                ("program_type", "in", ("coupons", "gift_card")),
                ("company_id", "in", (False, self.env.company.id)),
            ],
            order="id desc",
            limit=1,
        )
        if not program:
            raise UserError(
                self.env._(
                    "Create a coupon or gift card program first "
                    "(Sales > Products > Discount & Loyalty)."
                )
            )
        customers = self._crm_offer_customers()
        return {
            "name": self.env._("Send an Offer to %s", self.display_name),
            "type": "ir.actions.act_window",
            "res_model": "loyalty.generate.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                # the wizard takes its program from active_id: never this segment's id
                "active_id": False,
                "active_ids": [],
                "default_program_id": program.id,
                "default_mode": "selected",
                "default_customer_ids": [(6, 0, customers.ids)],
                "default_crm_segment_id": self.id,
                "default_description": self.env._("Offer to %s", self.display_name),
            },
        }

    def action_crm_view_offers(self):
        self.ensure_one()
        return {
            "name": self.env._("Offers to %s", self.display_name),
            "type": "ir.actions.act_window",
            "res_model": "loyalty.card",
            "view_mode": "list,form",
            "domain": [("crm_offer_segment_id", "=", self.id)],
        }
