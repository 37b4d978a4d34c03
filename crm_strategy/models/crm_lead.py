from odoo import api, fields, models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.persona.mixin"]

    persona_id = fields.Many2one(compute="_compute_persona_id", store=True, readonly=False)
    persona_archetype_id = fields.Many2one(related="persona_id.archetype_id")
    persona_playbook = fields.Html("Persona Playbook", related="persona_id.playbook")
    persona_archetype_playbook = fields.Html(
        "Buying Behaviour Playbook", related="persona_id.archetype_id.playbook"
    )

    @api.depends("partner_id")
    def _compute_persona_id(self):
        """A lead takes its customer's persona, unless a person chose another one."""
        for lead in self:
            if lead.persona_manual:
                continue
            persona = lead._partner_persona(lead.partner_id)
            if persona:
                lead.persona_id = persona

    @api.model
    def _partner_persona(self, partner):
        return partner.persona_id or partner.commercial_partner_id.persona_id

    @api.model_create_multi
    def create(self, vals_list):
        Partner = self.env["res.partner"]
        for vals in vals_list:
            partner = Partner.browse(vals.get("partner_id"))
            self._mark_manual_persona(vals, self._partner_persona(partner))
        return super().create(vals_list)

    def write(self, vals):
        if "persona_id" not in vals or "persona_manual" in vals:
            return super().write(vals)
        # The persona a lead would inherit differs per lead: write per inherited persona.
        Partner = self.env["res.partner"]
        groups = {}
        for lead in self:
            partner = (
                Partner.browse(vals["partner_id"]) if "partner_id" in vals else lead.partner_id
            )
            groups.setdefault(self._partner_persona(partner), self.browse())
            groups[self._partner_persona(partner)] |= lead
        for inherited, leads in groups.items():
            super(CrmLead, leads).write(self._mark_manual_persona(dict(vals), inherited))
        return True

    def _mark_manual_persona(self, vals, inherited):
        """A persona written by a person is manual when it is not the customer's one."""
        if (
            "persona_id" in vals
            and "persona_manual" not in vals
            and not self.env.context.get("crm_persona_auto")
        ):
            vals["persona_manual"] = (vals["persona_id"] or False) != (inherited.id or False)
        return vals
