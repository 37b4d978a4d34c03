from odoo import api, fields, models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.persona.mixin"]

    persona_id = fields.Many2one(compute="_compute_persona_id", store=True, readonly=False)
    persona_archetype_id = fields.Many2one(
        related="persona_id.archetype_id", string="Persona's Buying Behaviour"
    )
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

    @api.depends(
        "persona_id.archetype_id",
        "partner_id.buying_archetype_id",
        "partner_id.commercial_partner_id.buying_archetype_id",
    )
    def _compute_buying_archetype_id(self):
        return super()._compute_buying_archetype_id()

    def _default_buying_archetype(self):
        """The customer's buying behaviour, else the lead's persona's."""
        self.ensure_one()
        partner = self.partner_id
        return (
            partner.buying_archetype_id
            or partner.commercial_partner_id.buying_archetype_id
            or super()._default_buying_archetype()
        )

    @api.model
    def _partner_persona(self, partner):
        return partner.persona_id or partner.commercial_partner_id.persona_id

    @api.model_create_multi
    def create(self, vals_list):
        Partner = self.env["res.partner"]
        return super().create(
            [
                self._with_persona_manual(
                    vals, self._partner_persona(Partner.browse(vals.get("partner_id")))
                )
                for vals in vals_list
            ]
        )

    def write(self, vals):
        if "persona_id" not in vals or "persona_manual" in vals:
            return super().write(vals)
        # Whether the written persona is a manual choice depends on each lead's customer.
        if "partner_id" in vals:
            partner = self.env["res.partner"].browse(vals["partner_id"])
            return super().write(self._with_persona_manual(vals, self._partner_persona(partner)))
        for inherited, leads in self.grouped(
            lambda lead: self._partner_persona(lead.partner_id)
        ).items():
            super(CrmLead, leads).write(self._with_persona_manual(vals, inherited))
        return True
