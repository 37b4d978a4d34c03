"""Pairs of contacts that look like the same customer, to review and merge.

The matching rules (e-mail, phone, similar names, score) are those of
`crm.duplicate.mixin`. Contacts compared: active people and companies, not addresses nor
users; a contact and its own company are not duplicates. Merging goes through Odoo's own
contact merge wizard, which moves every reference (customer values, segment history,
ledger entries...) to the contact kept.
"""

from odoo import fields, models
from odoo.tools import SQL

from .crm_duplicate_mixin import ensure_trigram

NAME_INDEX = "res_partner_crm_duplicate_name_trgm_idx"


class CrmPartnerDuplicate(models.Model):
    _name = "crm.partner.duplicate"
    _inherit = ["crm.duplicate.mixin"]
    _description = "Possible Duplicate Contacts"
    _rec_name = "partner_a_id"
    _duplicate_model = "res.partner"
    _duplicate_fields = ("partner_a_id", "partner_b_id")

    partner_a_id = fields.Many2one(
        "res.partner", "Contact", required=True, index=True, ondelete="cascade", readonly=True
    )
    partner_b_id = fields.Many2one(
        "res.partner",
        "Possible Duplicate",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    email_a = fields.Char(related="partner_a_id.email", string="E-mail")
    email_b = fields.Char(related="partner_b_id.email", string="Duplicate's E-mail")
    phone_a = fields.Char(related="partner_a_id.phone", string="Phone")
    phone_b = fields.Char(related="partner_b_id.phone", string="Duplicate's Phone")

    _sql_constraints = [
        ("pair_unique", "UNIQUE(partner_a_id, partner_b_id)", "This pair is already listed."),
        (
            "pair_ordered",
            "CHECK(partner_a_id < partner_b_id)",
            "A pair holds two different contacts, the older one first.",
        ),
    ]

    def init(self):
        if not ensure_trigram(self.env.cr):
            return
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON res_partner "
                "USING gin (lower(trim(name)) gin_trgm_ops)",
                SQL.identifier(NAME_INDEX),
            )
        )

    # ------------------------------------------------------------ actions

    def action_merge(self):
        """Odoo's contact merge wizard on the pair: the user picks the contact kept."""
        self.ensure_one()
        partners = (self.partner_a_id | self.partner_b_id).exists()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge Contacts"),
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "res.partner",
                "active_ids": partners.ids,
                "active_id": partners[:1].id,
            },
        }

    # ------------------------------------------------------------ matching

    def _duplicate_eligible(self, alias):
        """Contacts worth comparing: active people and companies, not addresses nor users."""
        return SQL(
            """%(p)s.active AND COALESCE(%(p)s.type, 'contact') = 'contact'
               AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = %(p)s.id)""",
            p=SQL.identifier(alias),
        )

    def _duplicate_names(self, alias):
        return [SQL("lower(trim(%s.name))", SQL.identifier(alias))]

    def _duplicate_pair_filter(self):
        # a contact and its own company are not duplicates
        return SQL("pa.parent_id IS DISTINCT FROM pb.id AND pb.parent_id IS DISTINCT FROM pa.id")
