import binascii
import os
import re

from odoo import api, fields, models
from odoo.addons.base.models.res_users import KEY_CRYPT_CONTEXT
from odoo.tools import SQL

KEY_PREFIX = "crmsk_"
KEY_BYTES = 20
INDEX_SIZE = 8  # hex digits of the key after the prefix, stored in clear to find the row
KEY_PATTERN = re.compile(rf"{KEY_PREFIX}[0-9a-f]{{{2 * KEY_BYTES}}}")


class CrmScoringIntegration(models.Model):
    """A website or marketing tool allowed to send engagement events with its own API key.

    Like res.users.apikeys: the key is shown once, only its hash and an 8-character
    index are stored; verifying costs one pbkdf2 per request, not per event. The clear key
    lives only in the action that shows it (in the context of the dialog, never in a row,
    transient or not, nor in the chatter). Integrations are per company (record rule).
    """

    _name = "crm.scoring.integration"
    _description = "Engagement Integration"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    key_index = fields.Char(readonly=True, copy=False, index=True)
    key_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    key_set = fields.Boolean(compute="_compute_key_set")
    event_count = fields.Integer(compute="_compute_event_count")

    def _compute_key_set(self):
        for integration in self:
            integration.key_set = bool(integration.key_index)

    def _compute_event_count(self):
        counts = dict(
            self.env["crm.engagement.event"]._read_group(
                [("integration_id", "in", self.ids)], ["integration_id"], ["__count"]
            )
        )
        for integration in self:
            integration.event_count = counts.get(integration, 0)

    def action_generate_key(self):
        """Replace the key; show the new one once in a dialog.

        As `res.users.apikeys.description.make_key` does: the dialog's model is abstract, the
        key reaches it as a default in the action's context and is never written anywhere.
        """
        self.ensure_one()
        self.check_access("write")
        key = self._generate_key()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("API Key Ready"),
            "res_model": "crm.scoring.integration.key",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_key": key},
        }

    def _generate_key(self):
        self.ensure_one()
        secret = binascii.hexlify(os.urandom(KEY_BYTES)).decode()
        self.sudo().write(
            {"key_index": secret[:INDEX_SIZE], "key_hash": KEY_CRYPT_CONTEXT.hash(secret)}
        )
        self.message_post(
            body=self.env._("A new API key was generated; the previous one stops working.")
        )
        return KEY_PREFIX + secret

    @api.model
    def _find_by_key(self, key):
        """The active integration whose key is `key`, or an empty recordset.

        Anything but a well-formed key is unknown before any query: header values may hold
        NUL bytes or be megabytes long.
        """
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            return self.browse()
        secret = key[len(KEY_PREFIX) :]
        self.flush_model(["key_index", "key_hash", "active"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id, key_hash FROM crm_scoring_integration WHERE key_index = %s AND active",
                secret[:INDEX_SIZE],
            )
        )
        for integration_id, key_hash in rows:
            if key_hash and KEY_CRYPT_CONTEXT.verify(secret, key_hash):
                return self.browse(integration_id)
        return self.browse()
