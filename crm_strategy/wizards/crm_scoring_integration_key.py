from odoo import fields, models, tools
from odoo.tools import SQL


class CrmScoringIntegrationKey(models.AbstractModel):
    """Shows a freshly generated API key once, like `res.users.apikeys.show`.

    Abstract: no table, no row another user could read, nothing for the vacuum to forget.
    The key comes in the dialog's context (`default_key`) and leaves with the dialog.
    """

    _name = "crm.scoring.integration.key"
    _description = "Show Engagement Integration Key"

    # the field 'id' is necessary for the onchange that returns the value of 'key'
    id = fields.Id()
    key = fields.Char(readonly=True)

    def init(self):
        # until 18.0.x this model was transient and kept clear keys in a table: drop it
        if tools.sql.table_kind(self.env.cr, "crm_scoring_integration_key"):
            self.env.cr.execute(SQL("DROP TABLE crm_scoring_integration_key CASCADE"))
