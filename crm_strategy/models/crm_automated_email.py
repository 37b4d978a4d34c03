"""E-mails that automations send to customers, under a per-contact cap.

Invariants:
- Every automated e-mail (a customer entering an RFM segment, a lead crossing a lifecycle stage
  threshold) is sent by `crm.automated.email._send_automated`, and only there; each e-mail sent
  leaves one row here (contact, company, template, source, date).
- A contact receives at most the company's `crm_automated_email_cap` automated e-mails within
  `crm_automated_email_days` days, counted over these rows; each company counts its own.
- Contacts who are blacklisted, have no e-mail address, or withdrew consent to profiling get
  nothing. A skipped e-mail is logged at info level, never an error: automations run in batches.
- E-mails are queued (mail.mail), sent by the mail queue, never during the refresh.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

SOURCES = [
    ("crm.rfm.segment", "RFM Segment"),
    ("crm.scoring.threshold", "Lifecycle Stage Threshold"),
]


class CrmAutomatedEmail(models.Model):
    _name = "crm.automated.email"
    _description = "Automated E-mail"
    _order = "date desc, id desc"
    _rec_name = "template_id"

    partner_id = fields.Many2one(
        "res.partner", "Contact", index="btree_not_null", ondelete="cascade"
    )
    lead_id = fields.Many2one("crm.lead", index="btree_not_null", ondelete="set null")
    email = fields.Char(
        index="btree_not_null", help="Normalised address; counts for the cap without a contact."
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    template_id = fields.Many2one("mail.template", "E-mail Template", ondelete="set null")
    source = fields.Reference(SOURCES, help="The automation that sent the e-mail.")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)

    @api.model
    def _recipients(self, records):
        """{record id: (partner, normalised e-mail, lead)} of `records` (res.partner or
        crm.lead) who may receive an automated e-mail: not blacklisted, with an address, and
        consenting to profiling."""
        is_lead = records._name == "crm.lead"
        rows = {}
        for record in records:
            partner = record.partner_id if is_lead else record
            email = record.email_normalized or partner.email_normalized
            if not email or record.is_blacklisted or partner.is_blacklisted:
                continue
            rows[record.id] = (partner, email, record if is_lead else self.env["crm.lead"])
        withdrawn, withdrawn_emails = self.env["res.partner"]._crm_withdrawn_partners(
            {partner.id for partner, _email, _lead in rows.values() if partner},
            {email for _partner, email, _lead in rows.values()},
        )
        return {
            record_id: row
            for record_id, row in rows.items()
            if row[0].id not in withdrawn and row[1] not in withdrawn_emails
        }

    @api.model
    def _recent_counts(self, company, partners, emails):
        """{("partner", id) or ("email", address): e-mails sent within the company's period}
        (one _read_group per kind of key, for the whole batch)."""
        since = fields.Datetime.now() - timedelta(days=company.crm_automated_email_days)
        base = [("company_id", "=", company.id), ("date", ">", since)]
        counts = {}
        if partners:
            for partner, count in self._read_group(
                base + [("partner_id", "in", partners.ids)], ["partner_id"], ["__count"]
            ):
                counts[("partner", partner.id)] = count
        if emails:
            for email, count in self._read_group(
                base + [("partner_id", "=", False), ("email", "in", list(emails))],
                ["email"],
                ["__count"],
            ):
                counts[("email", email)] = count
        return counts

    @api.model
    def _send_automated(self, template, records, company, source):
        """Queue `template` to each of `records` (of the template's model: res.partner or
        crm.lead) whom the cap of `company` allows, on behalf of the automation `source`.

        Returns the rows logged, one per e-mail queued."""
        self = self.sudo()
        if not template or not records or template.model != records._name:
            return self.browse()
        records = records.sudo().with_company(company)
        recipients = self._recipients(records)
        counts = self._recent_counts(
            company,
            self.env["res.partner"].union(*(p for p, _e, _l in recipients.values() if p)),
            {email for partner, email, _lead in recipients.values() if not partner},
        )
        cap = company.crm_automated_email_cap
        to_send = []
        capped = 0
        for record in records:
            if record.id not in recipients:
                continue
            partner, email, _lead = recipients[record.id]
            key = ("partner", partner.id) if partner else ("email", email)
            if counts.get(key, 0) >= cap:
                capped += 1
                continue
            counts[key] = counts.get(key, 0) + 1
            to_send.append(record)
        excluded = len(records) - len(recipients)
        if excluded or capped:
            _logger.info(
                "Automated e-mail %r (company %s): %s contact(s) skipped at the cap of %s in "
                "%s days, %s blacklisted, without e-mail or without consent to profiling",
                template.name,
                company.id,
                capped,
                cap,
                company.crm_automated_email_days,
                excluded,
            )
        if not to_send:
            return self.browse()
        template.sudo().with_company(company).send_mail_batch([record.id for record in to_send])
        source_ref = f"{source._name},{source.id}" if source else False
        return self.create(
            [
                {
                    "partner_id": recipients[record.id][0].id,
                    "email": recipients[record.id][1],
                    "lead_id": recipients[record.id][2].id,
                    "company_id": company.id,
                    "template_id": template.id,
                    "source": source_ref,
                }
                for record in to_send
            ]
        )
