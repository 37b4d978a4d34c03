from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import CrmStrategyCase, in_segment


@tagged("post_install", "-at_install")
class TestCrmPartnerDuplicate(CrmStrategyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Acmeville Trading", "email": "hello@acmeville.com"})
        cls.acme_again = Partner.create(
            {"name": "ACMEVILLE Trading.", "email": " Hello@AcmeVille.com "}
        )
        cls.jon = Partner.create({"name": "Jonathan Smithers", "phone": "+32 475 12 34 56"})
        cls.john = Partner.create({"name": "Jonathon Smithers", "mobile": "0475/12.34.56"})
        cls.company = Partner.create(
            {"name": "Zebra Holdings", "is_company": True, "email": "info@zebra.test"}
        )
        cls.employee = Partner.create(
            {"name": "Zed", "parent_id": cls.company.id, "email": "info@zebra.test"}
        )
        cls.archived = Partner.create(
            {"name": "Old Acme", "email": "hello@acmeville.com", "active": False}
        )
        cls.Duplicate = cls.env["crm.partner.duplicate"]

    def _pair(self, a, b):
        a, b = sorted((a, b), key=lambda p: p.id)
        return self.Duplicate.search([("partner_a_id", "=", a.id), ("partner_b_id", "=", b.id)])

    def test_pairs_with_reasons_and_score(self):
        self.Duplicate.with_user(self.rep)._refresh()
        acme = self._pair(self.acme, self.acme_again)
        self.assertTrue(acme.same_email)
        self.assertGreater(acme.name_similarity, 60)
        self.assertIn("same e-mail address", acme.reasons)
        self.assertIn("similar names", acme.reasons)
        self.assertGreater(acme.score, 75)
        smith = self._pair(self.jon, self.john)
        self.assertTrue(smith.same_phone)
        self.assertFalse(smith.same_email)
        self.assertIn("same phone number", smith.reasons)
        self.assertLess(smith.score, acme.score)

    def test_find_duplicates_is_for_managers_and_their_companies(self):
        """A rep cannot trigger the all-company recomputation over RPC; a manager's run
        keeps the pairs to review of a company they do not work in."""
        with self.assertRaises(AccessError):
            self.Duplicate.with_user(self.rep).action_refresh()
        far = self.env["res.company"].create({"name": "Far Company"})
        Partner = self.env["res.partner"]
        twins = Partner.create(
            [
                {"name": "Quillon Far", "email": "far@quillon.test", "company_id": far.id},
                {"name": "Q. Far", "email": "far@quillon.test", "company_id": far.id},
            ]
        )
        self.Duplicate._refresh()
        far_pair = self._pair(*twins)
        self.assertTrue(far_pair)
        action = self.Duplicate.with_user(self.manager).action_refresh()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(far_pair.exists())
        self.assertTrue(self._pair(self.acme, self.acme_again))

    def test_company_and_its_contact_archived_and_users_are_not_duplicates(self):
        self.Duplicate._refresh()
        self.assertFalse(self._pair(self.company, self.employee))
        self.assertFalse(self._pair(self.acme, self.archived))
        pairs = self.Duplicate.search([])
        users = self.env["res.users"].with_context(active_test=False).search([]).partner_id
        self.assertFalse((pairs.partner_a_id | pairs.partner_b_id) & users)

    def test_dismissed_pair_stays_dismissed(self):
        self.Duplicate._refresh()
        pair = self._pair(self.jon, self.john)
        pair.with_user(self.rep).action_dismiss()
        self.Duplicate._refresh()
        self.assertEqual(self._pair(self.jon, self.john), pair)
        self.assertEqual(pair.state, "dismissed")
        pair.action_restore()
        self.assertEqual(pair.state, "new")

    def test_without_pg_trgm_pairs_come_from_email_and_phone(self):
        cr = self.env.cr
        cr.execute("SAVEPOINT without_trgm")
        try:
            cr.execute("DROP EXTENSION IF EXISTS pg_trgm CASCADE")
            action = self.Duplicate.action_refresh()
            self.assertEqual(action["params"]["type"], "warning")
            self.assertIn("pg_trgm", action["params"]["message"])
            self.assertTrue(self._pair(self.acme, self.acme_again).same_email)
            self.assertFalse(self._pair(self.acme, self.acme_again).name_similarity)
        finally:
            cr.execute("ROLLBACK TO SAVEPOINT without_trgm")
            self.env.invalidate_all()

    def test_merge_opens_odoo_merge_wizard_on_the_pair(self):
        self.Duplicate._refresh()
        pair = self._pair(self.acme, self.acme_again)
        action = pair.action_merge()
        self.assertEqual(action["res_model"], "base.partner.merge.automatic.wizard")
        wizard = Form(self.env[action["res_model"]].with_context(**action["context"])).save()
        self.assertEqual(wizard.partner_ids, self.acme | self.acme_again)
        kept = wizard.dst_partner_id
        wizard.action_merge()
        self.assertEqual((self.acme | self.acme_again).exists(), kept)
        # the pair went with the merged contact
        self.assertFalse(pair.exists())

    def test_merge_keeps_customer_values_history_and_persona_of_two_companies(self):
        company_a = self.env.company
        company_b = self.env["res.company"].create({"name": "Second Shop"})
        champions = self.env.ref("crm_strategy.crm_rfm_segment_champions")
        loyal = self.env.ref("crm_strategy.crm_rfm_segment_loyal")
        persona = self.env["crm.persona"].create({"name": "Merged Persona"})
        self.acme_again.persona_id = persona
        Value = self.env["crm.customer.value"]
        Value.create({"partner_id": self.acme.id, "company_id": company_a.id, **in_segment(loyal)})
        Value.create(
            {
                "partner_id": self.acme_again.id,
                "company_id": company_b.id,
                **in_segment(champions),
            }
        )
        History = self.env["crm.customer.segment.history"]
        History.create(
            {"partner_id": self.acme.id, "company_id": company_a.id, "date": date(2026, 1, 1)}
        )
        History.create(
            {
                "partner_id": self.acme_again.id,
                "company_id": company_b.id,
                "date": date(2026, 2, 1),
            }
        )
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self.acme | self.acme_again).ids, self.acme
        )
        values = Value.search([("partner_id", "=", self.acme.id)])
        self.assertEqual(
            {(v.company_id, v.segment_id) for v in values},
            {(company_a, loyal), (company_b, champions)},
        )
        self.assertEqual(
            History.search([("partner_id", "=", self.acme.id)]).company_id,
            company_a | company_b,
        )
        self.assertEqual(self.acme.persona_id, persona)
        self.assertEqual(self.acme.with_company(company_b).rfm_segment_id, champions)
