from odoo import api, fields, models


class CrmLoyaltyStatementReport(models.AbstractModel):
    _name = "report.crm_strategy.report_loyalty_statement"
    _description = "Loyalty Member Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        today = fields.Date.context_today(self)
        date_from = data.get("date_from") or today.replace(day=1)
        date_to = data.get("date_to") or today
        cards = self.env["loyalty.card"].browse(docids)
        cards.check_access("read")
        return {
            "doc_ids": docids,
            "doc_model": "loyalty.card",
            "docs": cards,
            "statements": {card.id: card._crm_statement(date_from, date_to) for card in cards},
        }
