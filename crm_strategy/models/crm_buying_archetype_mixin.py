from odoo import api, fields, models


class CrmPersonaMixin(models.AbstractModel):
    """Buying behaviour on a record (partner, lead): its persona's unless a person chose one."""

    _inherit = "crm.persona.mixin"

    buying_archetype_id = fields.Many2one(
        "crm.buying.archetype",
        "Buying Behaviour",
        compute="_compute_buying_archetype_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        ondelete="set null",
        tracking=True,
        help="How this customer buys, with the playbook to follow. Defaults to the buyer "
        "persona's; choose another one when they behave differently.",
    )
    buying_archetype_manual = fields.Boolean(
        "Buying Behaviour Set by Hand",
        copy=False,
        help="The buying behaviour was chosen by a person: a new persona does not change it.",
    )
    buying_archetype_playbook = fields.Html(
        "How to Handle This Buyer", related="buying_archetype_id.playbook"
    )

    @api.depends("persona_id.archetype_id")
    def _compute_buying_archetype_id(self):
        for record in self:
            if not record.buying_archetype_manual:
                record.buying_archetype_id = record._default_buying_archetype()

    def _default_buying_archetype(self):
        self.ensure_one()
        return self.persona_id.archetype_id

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._with_buying_archetype_manual(vals) for vals in vals_list])

    def write(self, vals):
        vals = self._with_buying_archetype_manual(vals)
        cleared = "buying_archetype_id" in vals and not vals["buying_archetype_id"]
        res = super().write(vals)
        if cleared:
            # cleared by hand: back to the default
            for record in self:
                record.write(
                    {
                        "buying_archetype_id": record._default_buying_archetype().id,
                        "buying_archetype_manual": False,
                    }
                )
        return res

    def _with_buying_archetype_manual(self, vals):
        """`vals` with buying_archetype_manual set when a person writes the behaviour
        (clearing it goes back to the default)."""
        if "buying_archetype_id" not in vals or "buying_archetype_manual" in vals:
            return vals
        return dict(vals, buying_archetype_manual=bool(vals["buying_archetype_id"]))
