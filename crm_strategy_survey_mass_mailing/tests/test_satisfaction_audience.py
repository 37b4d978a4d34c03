from odoo.addons.mass_mailing.tests.common import MassMailCommon
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval


@tagged("post_install", "-at_install")
class TestSatisfactionAudience(MassMailCommon):
    """Send a mailing to promoters or detractors: their latest NPS answer in the company,
    never a blacklisted address nor a contact who withdrew consent to profiling."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_marketing.groups_id += cls.env.ref("crm_strategy.group_crm_strategy_manager")
        cls.other_company = cls.env["res.company"].create({"name": "Elsewhere Ltd"})
        Partner = cls.env["res.partner"]
        names = ("fan", "critic", "fan_blacklisted", "fan_withdrawn", "turned_critic")
        cls.partners = {
            name: Partner.create({"name": name, "email": f"{name}@example.com"}) for name in names
        }
        firm = Partner.create({"name": "Fan Firm", "is_company": True, "email": "firm@e.com"})
        cls.employee = Partner.create(
            {"name": "employee", "email": "employee@example.com", "parent_id": firm.id}
        )
        cls.env["mail.blacklist"]._add("fan_blacklisted@example.com")
        cls.partners["fan_withdrawn"].crm_profiling_withdrawn = True
        answers = [
            ("fan", 10, cls.env.company),
            ("critic", 3, cls.env.company),
            ("fan_blacklisted", 9, cls.env.company),
            ("fan_withdrawn", 10, cls.env.company),
            # a promoter, then a detractor: the latest answer counts
            ("turned_critic", 10, cls.env.company),
            ("turned_critic", 2, cls.env.company),
            # a promoter elsewhere only
            ("critic", 10, cls.other_company),
        ]
        Response = cls.env["crm.satisfaction.response"]
        for name, score, company in answers:
            Response.create(
                {
                    "partner_id": cls.partners[name].id,
                    "company_id": company.id,
                    "kind": "nps",
                    "state": "answered",
                    "scored": True,
                    "score": score,
                }
            )._update_last()
        Response.create(
            {
                "partner_id": firm.id,
                "kind": "nps",
                "state": "answered",
                "scored": True,
                "score": 9,
            }
        )._update_last()

    def _recipients(self, action):
        self.assertEqual(action["res_model"], "mailing.mailing")
        with Form(self.env["mailing.mailing"].with_context(**action["context"])) as form:
            form.body_arch = "<p>Thank you</p>"
        mailing = form.save()
        domain = safe_eval(mailing.mailing_domain)
        return set(self.env["res.partner"].search(domain).mapped("name"))

    def test_mail_promoters_and_detractors(self):
        Response = self.env["crm.satisfaction.response"].with_user(self.user_marketing)
        self.assertEqual(
            self._recipients(Response.action_crm_mail_promoters()), {"fan", "Fan Firm", "employee"}
        )
        self.assertEqual(
            self._recipients(Response.action_crm_mail_detractors()), {"critic", "turned_critic"}
        )

    def test_only_email_marketing_users_create_the_mailing(self):
        rep = new_test_user(self.env, login="nps_mail_rep", groups="sales_team.group_sale_salesman")
        with self.assertRaises(AccessError):
            self.env["crm.satisfaction.response"].with_user(rep).action_crm_mail_promoters()
