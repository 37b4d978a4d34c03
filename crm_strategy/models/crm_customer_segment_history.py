from odoo import fields, models


class CrmCustomerSegmentHistory(models.Model):
    """One row each time a customer's RFM segment changes (written by the refresh)."""

    _name = "crm.customer.segment.history"
    _description = "Customer Segment Change"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    date = fields.Date(required=True)
    from_segment_id = fields.Many2one("crm.rfm.segment", "From", ondelete="set null")
    to_segment_id = fields.Many2one("crm.rfm.segment", "To", ondelete="set null")
