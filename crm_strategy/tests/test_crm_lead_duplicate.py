from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import CrmStrategyCase


@tagged("post_install", "-at_install")
class TestCrmLeadDuplicate(CrmStrategyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Far Away Branch"})
        cls.colleague = new_test_user(
            cls.env,
            login="dup_colleague",
            name="Colin Colleague",
            groups="sales_team.group_sale_salesman",
        )
        Lead = cls.env["crm.lead"].with_context(mail_create_nolog=True)
        common = {"company_id": cls.company.id, "team_id": False}
        cls.lead_mail = Lead.create(
            {**common, "name": "Boilers", "email_from": "Anna@Harbour.test", "user_id": cls.rep.id}
        )
        cls.lead_mail_again = Lead.create(
            {
                **common,
                "name": "New boiler",
                "email_from": '"Anna" <anna@harbour.test>',
                "type": "opportunity",
                "user_id": False,
            }
        )
        cls.lead_phone = Lead.create(
            {**common, "name": "Pumps", "phone": "+32 475 11 22 33", "user_id": cls.rep.id}
        )
        cls.lead_phone_again = Lead.create(
            {**common, "name": "Valves", "mobile": "0475/11.22.33", "user_id": cls.colleague.id}
        )
        cls.lead_name = Lead.create(
            {
                **common,
                "name": "Kitchen",
                "partner_name": "Brightwater Plumbing Supplies",
                "user_id": cls.rep.id,
            }
        )
        cls.lead_name_again = Lead.create(
            {
                **common,
                "name": "Bathroom",
                "partner_name": "Brightwater Plumbing Supply",
                "user_id": cls.rep.id,
            }
        )
        cls.lead_elsewhere = Lead.create(
            {
                "name": "Same mail, other company",
                "email_from": "anna@harbour.test",
                "company_id": cls.other_company.id,
                "team_id": False,
                "user_id": False,
            }
        )
        cls.Duplicate = cls.env["crm.lead.duplicate"]

    def _pair(self, a, b):
        a, b = sorted((a, b), key=lambda lead: lead.id)
        return self.Duplicate.search([("lead_a_id", "=", a.id), ("lead_b_id", "=", b.id)])

    def test_pairs_of_one_company_with_reasons_and_score(self):
        self.Duplicate._refresh()
        mail = self._pair(self.lead_mail, self.lead_mail_again)
        self.assertTrue(mail.same_email)
        self.assertEqual(mail.reasons, "same e-mail address")
        self.assertEqual(mail.score, 50)
        self.assertEqual(mail.company_id, self.company)
        phone = self._pair(self.lead_phone, self.lead_phone_again)
        self.assertEqual(phone.reasons, "same phone number")
        self.assertEqual(phone.score, 30)
        name = self._pair(self.lead_name, self.lead_name_again)
        self.assertGreater(name.name_similarity, 60)
        self.assertIn("similar names", name.reasons)
        # the same address in another company is another customer's lead
        self.assertFalse(self._pair(self.lead_mail, self.lead_elsewhere))
        self.assertFalse(self._pair(self.lead_mail_again, self.lead_elsewhere))

    def test_a_lead_without_company_pairs_with_any_company(self):
        shared = self.env["crm.lead"].create(
            {"name": "Shared", "email_from": "anna@harbour.test", "company_id": False}
        )
        self.Duplicate._refresh()
        self.assertEqual(self._pair(self.lead_mail, shared).company_id, self.company)
        self.assertEqual(self._pair(self.lead_elsewhere, shared).company_id, self.other_company)

    def test_won_and_lost_leads_are_not_compared(self):
        self.lead_mail_again.action_set_won()
        self.lead_phone_again.action_set_lost()
        self.Duplicate._refresh()
        self.assertFalse(self._pair(self.lead_mail, self.lead_mail_again))
        self.assertFalse(self._pair(self.lead_phone, self.lead_phone_again))

    def test_rep_sees_pairs_of_leads_they_can_read(self):
        self.Duplicate._refresh()
        pairs = self.Duplicate.with_user(self.rep).search([])
        # own + unassigned: yes; own + a colleague's lead: no
        self.assertIn(self._pair(self.lead_mail, self.lead_mail_again), pairs)
        self.assertIn(self._pair(self.lead_name, self.lead_name_again), pairs)
        self.assertNotIn(self._pair(self.lead_phone, self.lead_phone_again), pairs)
        everything = self.Duplicate.with_user(self.manager).search([])
        self.assertIn(self._pair(self.lead_phone, self.lead_phone_again), everything)

    def test_rep_reviews_a_pair_merge_and_dismiss(self):
        self.Duplicate._refresh()
        name = self._pair(self.lead_name, self.lead_name_again).with_user(self.rep)
        name.action_dismiss()
        self.Duplicate._refresh()
        self.assertEqual(self._pair(self.lead_name, self.lead_name_again).state, "dismissed")

        pair = self._pair(self.lead_mail, self.lead_mail_again).with_user(self.rep)
        action = pair.action_merge()
        self.assertEqual(action["res_model"], "crm.merge.opportunity")
        wizard = Form(
            self.env[action["res_model"]].with_user(self.rep).with_context(**action["context"])
        ).save()
        self.assertEqual(wizard.opportunity_ids, self.lead_mail | self.lead_mail_again)
        wizard.action_merge()
        # crm keeps one of the two, with both e-mail histories; the pair goes with the other
        kept = (self.lead_mail | self.lead_mail_again).exists()
        self.assertEqual(len(kept), 1)
        merged = ({"Boilers", "New boiler"} - {kept.name}).pop()
        self.assertTrue(any(merged in (body or "") for body in kept.message_ids.mapped("body")))
        self.assertFalse(pair.exists())

    def test_find_duplicates_is_a_managers_action_on_their_companies(self):
        with self.assertRaises(AccessError):
            self.Duplicate.with_user(self.rep).action_refresh()
        manager = self.manager
        manager.write({"company_ids": [(4, self.other_company.id)]})
        other = self.env["crm.lead"].create(
            {
                "name": "Twin",
                "email_from": "anna@harbour.test",
                "company_id": self.other_company.id,
                "team_id": False,
            }
        )
        self.Duplicate._refresh()
        other_pair = self._pair(self.lead_elsewhere, other)
        self.assertTrue(other_pair)
        # a run in the first company keeps the other company's pairs to review
        self.Duplicate.with_user(manager).with_company(self.company).action_refresh()
        self.assertTrue(other_pair.exists())
        self.assertTrue(self._pair(self.lead_mail, self.lead_mail_again))

    def test_nightly_refresh_in_batches(self):
        self.env["ir.config_parameter"].set_param(
            "crm_strategy.crm_lead_duplicate_cron_next_id", self.lead_phone.id
        )
        self.Duplicate._cron_refresh()
        # this call started at the phone lead: the e-mail pair waits for the next night
        self.assertFalse(self._pair(self.lead_mail, self.lead_mail_again))
        self.assertTrue(self._pair(self.lead_phone, self.lead_phone_again))
        # the last batch: the next night starts from the beginning
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "crm_strategy.crm_lead_duplicate_cron_next_id"
            ),
            "0",
        )
        self.Duplicate._cron_refresh()
        self.assertTrue(self._pair(self.lead_mail, self.lead_mail_again))

    def test_without_pg_trgm_pairs_come_from_email_and_phone(self):
        cr = self.env.cr
        cr.execute("SAVEPOINT without_trgm")
        try:
            cr.execute("DROP EXTENSION IF EXISTS pg_trgm CASCADE")
            action = self.Duplicate.with_user(self.manager).action_refresh()
            self.assertEqual(action["params"]["type"], "warning")
            self.assertTrue(self._pair(self.lead_mail, self.lead_mail_again))
            self.assertFalse(self._pair(self.lead_name, self.lead_name_again))
        finally:
            cr.execute("ROLLBACK TO SAVEPOINT without_trgm")
            self.env.invalidate_all()
