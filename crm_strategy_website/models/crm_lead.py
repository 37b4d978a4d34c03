"""Website form submissions become engagement events of the lead they create.

Invariants:
- A lead created by a website form (website_crm's ``/website/form/crm.lead``) gets one
  ``form_submit`` engagement event; its idempotency key ``website.form:crm.lead:<lead id>``,
  unique per company in crm_strategy, keeps it at one whatever calls it again.
- The event goes through crm_strategy's ingestion (`crm.engagement.event._ingest`): validation,
  consent to profiling and rescoring; a refused event never refuses the form submission.
"""

import logging

from odoo import fields, models
from odoo.addons.crm_strategy.models.crm_engagement_event import EventRejected, storable_url

_logger = logging.getLogger(__name__)

FORM_KEY_PREFIX = "website.form:crm.lead:"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _crm_form_submit_event(self, website, url=None, visitor=None):
        """Record that this lead was created by a form of `website` (page `url`)."""
        self.ensure_one()
        company = self.company_id or website.company_id
        event = {
            "type": "form_submit",
            "lead_id": self.id,
            "timestamp": fields.Datetime.now().isoformat(),
            "idempotency_key": f"{FORM_KEY_PREFIX}{self.id}",
            "payload": {"website_id": website.id},
        }
        if self.partner_id:
            event["partner_id"] = self.partner_id.id
        if self.email_normalized:
            event["email"] = self.email_normalized
        if visitor:
            event["payload"]["website_visitor_id"] = visitor.id
        url = storable_url(url)
        if url:
            event["url"] = url
        try:
            return self.env["crm.engagement.event"].sudo()._ingest([event], company)
        except EventRejected as rejected:
            # already recorded (409), or a lead the event cannot name: the form still succeeds
            _logger.info("Form submission of lead %s not recorded: %s", self.id, rejected.errors)
            return None
