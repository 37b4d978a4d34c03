"""Pairs of leads and opportunities that look like the same deal, to review and merge.

The matching rules (e-mail, phone, similar names, score) are those of
`crm.duplicate.mixin`; names are the contact name and the company name of the lead, each
compared with the same name of the other lead (crm's own trigram indexes). Leads compared:
active and not won, two by two within one company (a lead without a company, shared by all,
with any). Merging goes through Odoo CRM's own
merge wizard (`crm.merge.opportunity`): the pair goes with the lead merged away.
"""

from odoo import fields, models
from odoo.tools import SQL

from .crm_duplicate_mixin import ensure_trigram


class CrmLeadDuplicate(models.Model):
    _name = "crm.lead.duplicate"
    _inherit = ["crm.duplicate.mixin"]
    _description = "Possible Duplicate Leads"
    _rec_name = "lead_a_id"
    _duplicate_model = "crm.lead"
    _duplicate_fields = ("lead_a_id", "lead_b_id")

    lead_a_id = fields.Many2one(
        "crm.lead", "Lead", required=True, index=True, ondelete="cascade", readonly=True
    )
    lead_b_id = fields.Many2one(
        "crm.lead",
        "Possible Duplicate",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    contact_a = fields.Char(related="lead_a_id.contact_name", string="Contact Name")
    contact_b = fields.Char(related="lead_b_id.contact_name", string="Duplicate's Contact Name")
    company_name_a = fields.Char(related="lead_a_id.partner_name", string="Company Name")
    company_name_b = fields.Char(
        related="lead_b_id.partner_name", string="Duplicate's Company Name"
    )
    email_a = fields.Char(related="lead_a_id.email_from", string="E-mail")
    email_b = fields.Char(related="lead_b_id.email_from", string="Duplicate's E-mail")
    phone_a = fields.Char(related="lead_a_id.phone", string="Phone")
    phone_b = fields.Char(related="lead_b_id.phone", string="Duplicate's Phone")
    user_a_id = fields.Many2one(related="lead_a_id.user_id", string="Salesperson")
    user_b_id = fields.Many2one(related="lead_b_id.user_id", string="Duplicate's Salesperson")

    _sql_constraints = [
        ("pair_unique", "UNIQUE(lead_a_id, lead_b_id)", "This pair is already listed."),
        (
            "pair_ordered",
            "CHECK(lead_a_id < lead_b_id)",
            "A pair holds two different leads, the older one first.",
        ),
    ]

    def init(self):
        # crm indexes contact and company names with pg_trgm when the extension exists
        ensure_trigram(self.env.cr)

    # ------------------------------------------------------------ actions

    def action_merge(self):
        """Odoo CRM's merge wizard on the pair: it keeps the most advanced lead."""
        self.ensure_one()
        leads = (self.lead_a_id | self.lead_b_id).exists()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge Leads"),
            "res_model": "crm.merge.opportunity",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": "crm.lead",
                "active_ids": leads.ids,
                "active_id": leads[:1].id,
            },
        }

    # ------------------------------------------------------------ matching

    def _duplicate_eligible(self, alias):
        """Leads worth comparing: active and not won."""
        return SQL("%(l)s.active AND COALESCE(%(l)s.probability, 0) < 100", l=SQL.identifier(alias))

    def _duplicate_names(self, alias):
        return [
            SQL("%s.contact_name", SQL.identifier(alias)),
            SQL("%s.partner_name", SQL.identifier(alias)),
        ]

    def _duplicate_pair_filter(self):
        # a lead without a company is shared: it may duplicate any company's lead
        return SQL(
            "(pa.company_id IS NULL OR pb.company_id IS NULL OR pa.company_id = pb.company_id)"
        )

    def _duplicate_extra_values(self):
        return {"company_id": SQL("COALESCE(pa.company_id, pb.company_id)")}
