from odoo import fields, models


class CrmCustomerSegmentHistory(models.Model):
    """One row each time a customer's RFM segment changes (written by the refresh).

    Like crm.customer.value, no create/write user and date columns (`_log_access`): only the
    refresh writes these rows, its crm.clv.fit record says who ran it and when, and the two
    user columns were two of the six foreign keys PostgreSQL checks row by row on a night
    that moves many customers."""

    _name = "crm.customer.segment.history"
    _description = "Customer Segment Change"
    _order = "date desc, id desc"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    date = fields.Date(required=True)
    from_segment_id = fields.Many2one("crm.rfm.segment", "From", ondelete="set null")
    to_segment_id = fields.Many2one("crm.rfm.segment", "To", ondelete="set null")

    def init(self):
        # Databases installed before `_log_access` was turned off keep the four columns
        # (Odoo forgets the fields, not their columns) and their foreign keys: drop them.
        self.env.cr.execute(
            """
            ALTER TABLE crm_customer_segment_history DROP COLUMN IF EXISTS create_uid,
                DROP COLUMN IF EXISTS create_date, DROP COLUMN IF EXISTS write_uid,
                DROP COLUMN IF EXISTS write_date
            """
        )
