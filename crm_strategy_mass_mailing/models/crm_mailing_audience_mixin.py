from odoo import api, models
from odoo.exceptions import AccessError


class CrmMailingAudienceMixin(models.AbstractModel):
    """Something whose contacts make a mailing audience (segment, persona, tier)."""

    _name = "crm.mailing.audience.mixin"
    _description = "Mailing Audience"

    def _crm_audience_domain(self):
        """Domain on res.partner of the contacts this record groups."""
        raise NotImplementedError

    def _crm_mailing_domain(self):
        """The audience as Email Marketing targets it (see `_crm_mailing_audience`)."""
        self.ensure_one()
        return self._crm_mailing_audience(self._crm_audience_domain())

    @api.model
    def _crm_mailing_audience(self, domain):
        """Contacts of `domain` as Email Marketing targets them: Odoo's own rule for contacts
        (no blacklisted address, `mailing.mailing._get_default_mailing_domain`), and never a
        contact who withdrew consent to profiling."""
        return [
            *domain,
            ("crm_profiling_withdrawn", "=", False),
            ("is_blacklisted", "=", False),
        ]

    def action_crm_send_mailing(self):
        """A new mailing (form) to this audience: its recipient filter can still be edited."""
        self.ensure_one()
        return self._crm_mailing_action(self.display_name, self._crm_mailing_domain())

    @api.model
    def _crm_mailing_action(self, name, domain):
        """A new mailing (form) on contacts of `domain`, named `name`."""
        if not self.env["mailing.mailing"].has_access("create"):
            raise AccessError(self.env._("Only Email Marketing users may create mailings."))
        return {
            "name": self.env._("Mailing to %s", name),
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "default_mailing_domain": repr(domain),
                "default_subject": name,
            },
        }
