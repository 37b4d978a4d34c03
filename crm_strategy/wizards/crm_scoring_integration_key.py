from odoo import fields, models


class CrmScoringIntegrationKey(models.TransientModel):
    """Shows a freshly generated API key once; it is not stored anywhere else in clear."""

    _name = "crm.scoring.integration.key"
    _description = "Show Engagement Integration Key"

    integration_id = fields.Many2one("crm.scoring.integration", required=True, ondelete="cascade")
    key = fields.Char(readonly=True)
