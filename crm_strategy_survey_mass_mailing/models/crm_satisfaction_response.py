from odoo import models


class CrmSatisfactionResponse(models.Model):
    """The NPS classes as mailing audiences: the customers (and their contacts) whose latest
    NPS answer in the current company puts them in the class."""

    _name = "crm.satisfaction.response"
    _inherit = ["crm.satisfaction.response", "crm.mailing.audience.mixin"]

    def _crm_nps_audience(self, nps_class):
        """Domain on res.partner; the company is written into it, so that the mailing targets
        the same customers whoever sends it and from whichever company."""
        return [
            (
                "commercial_partner_id.satisfaction_response_ids",
                "any",
                [
                    ("company_id", "=", self.env.company.id),
                    ("kind", "=", "nps"),
                    ("is_last", "=", True),
                    ("nps_class", "=", nps_class),
                ],
            )
        ]

    def _crm_mail_nps_class(self, nps_class):
        label = dict(self._fields["nps_class"]._description_selection(self.env))[nps_class]
        name = self.env._(
            "%(class)s of %(company)s", **{"class": label, "company": self.env.company.name}
        )
        return self._crm_mailing_action(
            name, self._crm_mailing_audience(self._crm_nps_audience(nps_class))
        )

    def action_crm_mail_promoters(self):
        return self._crm_mail_nps_class("promoter")

    def action_crm_mail_passives(self):
        return self._crm_mail_nps_class("passive")

    def action_crm_mail_detractors(self):
        return self._crm_mail_nps_class("detractor")
