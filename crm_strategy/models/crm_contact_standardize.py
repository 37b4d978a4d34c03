"""Phone numbers and e-mail addresses of contacts and leads written one way, on demand.

A strategy manager selects contacts (or leads) and runs *Standardize Phones and E-mails*:

- phones and mobiles are written in international format (+32 475 12 34 56) by Odoo's
  phone_validation helpers, with the country of the record, else of its company, else of
  the current company; a number that cannot be parsed is left as typed and reported;
- e-mail addresses are written as Odoo normalises them (`email_normalize`: the address
  alone, stripped, lower case); a value that holds no single valid address is left as
  typed and reported;
- only values that change are written, with the user's rights (tracking, blacklist and
  duplicate keys follow), in batches of BATCH_SIZE records read at once.
"""

from odoo import api, models
from odoo.addons.phone_validation.tools import phone_validation
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize

try:
    import phonenumbers
    from phonenumbers import NumberParseException
except ImportError:
    phonenumbers = None
    NumberParseException = UserError

BATCH_SIZE = 1000
# names of records whose values could not be read, shown in the notification
REPORT_NAMES = 10
MANAGER_GROUP = "crm_strategy.group_crm_strategy_manager"


class CrmContactStandardize(models.AbstractModel):
    _name = "crm.contact.standardize"
    _description = "Standardize Phones and E-mails"

    @api.model
    def _format_phone(self, number, country):
        """The number in international format, or None when it cannot be parsed."""
        try:
            return phone_validation.phone_format(
                number,
                country.code or None,
                country.phone_code or None,
                force_format="INTERNATIONAL",
                raise_exception=True,
            )
        except (UserError, NumberParseException):
            return None

    @api.model
    def _standardize(self, records, email_field):
        """Standardize `records` (res.partner or crm.lead, read with the user's rights);
        returns the display_notification action telling what changed."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only strategy managers can standardize phones and e-mails.")
            )
        records.check_access("write")
        phone_fields = [name for name in ("phone", "mobile") if name in records._fields]
        changed = 0
        failed = records.browse()
        for start in range(0, len(records), BATCH_SIZE):
            batch = records[start : start + BATCH_SIZE]
            batch.fetch([*phone_fields, email_field, "country_id", "company_id"])
            for record in batch:
                country = (
                    record.country_id or record.company_id.country_id or self.env.company.country_id
                )
                vals = {}
                bad = False
                for name in phone_fields:
                    number = (record[name] or "").strip()
                    if not number or not phonenumbers:
                        continue
                    formatted = self._format_phone(number, country)
                    if formatted is None:
                        bad = True
                    elif formatted != record[name]:
                        vals[name] = formatted
                email = record[email_field]
                if email and email.strip():
                    normalized = email_normalize(email)
                    if not normalized:
                        bad = True
                    elif normalized != email:
                        vals[email_field] = normalized
                if vals:
                    record.write(vals)
                    changed += 1
                if bad:
                    failed |= record
        message = self.env._(
            "%(changed)s of %(count)s records changed.", changed=changed, count=len(records)
        )
        if failed:
            names = ", ".join(failed[:REPORT_NAMES].mapped("display_name"))
            if len(failed) > REPORT_NAMES:
                names += ", …"
            message += " " + self.env._(
                "%(count)s could not be read and were left as typed: %(names)s",
                count=len(failed),
                names=names,
            )
        if not phonenumbers:
            message += " " + self.env._(
                "Phone numbers were left as typed: the phonenumbers Python library is not "
                "installed."
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if failed or not phonenumbers else "success",
                "message": message,
                "sticky": bool(failed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
