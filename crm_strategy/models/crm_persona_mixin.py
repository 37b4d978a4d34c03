from odoo import api, fields, models


class CrmPersonaMixin(models.AbstractModel):
    """Persona on a record (partner, lead), with its fit and the manual-choice flag."""

    _name = "crm.persona.mixin"
    _description = "Buyer Persona on a Record"

    persona_id = fields.Many2one(
        "crm.persona",
        "Buyer Persona",
        index="btree_not_null",
        tracking=True,
        # Deleting a persona in use is refused in crm.persona (advice: archive it);
        # at uninstall the rows must go without a foreign-key error.
        ondelete="set null",
        domain="[('company_id', 'in', [False, company_id])]",
    )
    persona_manual = fields.Boolean(
        "Persona Set by Hand",
        copy=False,
        help="The persona was chosen (or cleared) by a person: automatic assignment leaves it.",
    )
    persona_fit_score = fields.Integer("Persona Fit (%)", compute="_compute_persona_fit")
    persona_fit_explanation = fields.Text("Why This Persona", compute="_compute_persona_fit")

    @api.depends("persona_id")
    def _compute_persona_fit(self):
        """One search per criterion of each persona present, for all records at once."""
        self.persona_fit_score = 0
        self.persona_fit_explanation = False
        records = self.filtered(lambda r: r.id and r.persona_id)
        for persona in records.persona_id:
            subset = records.filtered(lambda r, p=persona: r.persona_id == p)
            scores = persona._fit_scores(self._name, subset.ids)
            for record in subset:
                score, hits, misses = scores.get(record.id, (0, [], []))
                record.persona_fit_score = score
                record.persona_fit_explanation = persona._format_fit(score, hits, misses)

    def _with_persona_manual(self, vals, inherited=None):
        """`vals` with persona_manual set when a person writes the persona.

        `inherited` is the persona the record would get anyway (a lead: its
        customer's): choosing that one is not a manual choice. Without it, any
        written persona, or clearing it, is manual. The assignment writes in SQL
        and never comes through here.
        """
        if "persona_id" not in vals or "persona_manual" in vals:
            return vals
        manual = inherited is None or (vals["persona_id"] or False) != (inherited.id or False)
        return dict(vals, persona_manual=manual)
