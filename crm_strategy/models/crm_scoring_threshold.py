from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmScoringThreshold(models.Model):
    """Score from which a lead enters a lifecycle stage, and what happens then."""

    _name = "crm.scoring.threshold"
    _description = "Lifecycle Stage Threshold"
    _order = "min_score, id"

    model_id = fields.Many2one("crm.scoring.model", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="model_id.company_id", store=True, index=True)
    stage = fields.Selection(
        [
            ("mql", "Marketing Qualified"),
            ("sql", "Sales Qualified"),
            ("opportunity", "Opportunity"),
        ],
        required=True,
    )
    min_score = fields.Integer(string="Minimum Score", required=True)
    team_id = fields.Many2one(
        "crm.team", string="Assign Team", check_company=True, help="Move the lead to this team."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assign Salesperson",
        domain="[('share', '=', False)]",
        help="Assign the lead to this salesperson.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Schedule Activity",
        domain="[('res_model', 'in', (False, 'crm.lead'))]",
    )
    activity_summary = fields.Char()
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Send E-mail",
        domain="[('model', '=', 'crm.lead')]",
        help="Send this e-mail to the lead's contact when the lead reaches the stage, within the "
        "company's cap of automated e-mails per contact.",
    )
    convert_to_opportunity = fields.Boolean(help="Turn the lead into an opportunity.")

    _sql_constraints = [
        ("stage_unique", "UNIQUE(model_id, stage)", "A stage has only one threshold per model."),
    ]

    @api.constrains("mail_template_id")
    def _check_mail_template_model(self):
        if any(t.mail_template_id and t.mail_template_id.model != "crm.lead" for t in self):
            raise ValidationError(
                self.env._("The e-mail sent on reaching a stage must be a template of leads.")
            )

    def _apply(self, leads):
        """Run the actions of crossing this threshold on `leads` (already in the stage)."""
        self.ensure_one()
        vals = {}
        if self.team_id:
            vals["team_id"] = self.team_id.id
        if self.user_id:
            vals["user_id"] = self.user_id.id
        if vals:
            leads.write(vals)
        if self.convert_to_opportunity:
            to_convert = leads.filtered(lambda lead: lead.type == "lead")
            for partner, group in to_convert.grouped("partner_id").items():
                group.convert_opportunity(partner)
        if self.activity_type_id:
            for lead in leads:
                lead.activity_schedule(
                    activity_type_id=self.activity_type_id.id,
                    summary=self.activity_summary or False,
                    user_id=lead.user_id.id or self.env.uid,
                )
        if self.mail_template_id:
            Automated = self.env["crm.automated.email"]
            for company, group in leads.grouped("company_id").items():
                Automated._send_automated(
                    self.mail_template_id, group, company or self.company_id, self
                )
