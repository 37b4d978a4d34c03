from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import CrmStrategyCase


@tagged("post_install", "-at_install")
class TestCrmPersona(CrmStrategyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.belgium = cls.env.ref("base.be")
        cls.france = cls.env.ref("base.fr")
        cls.germany = cls.env.ref("base.de")
        cls.it_industry = cls.env.ref("base.res_partner_industry_J")
        cls.retail = cls.env.ref("base.res_partner_industry_G")
        cls.Persona = cls.env["crm.persona"]
        cls.it_manager = cls.Persona.create(
            {
                "name": "IT Manager",
                "sequence": 1,
                "country_ids": [Command.set([cls.belgium.id, cls.france.id])],
                "industry_ids": [Command.set([cls.it_industry.id])],
                "job_titles": "IT manager, CTO",
                "min_fit_score": 60,
            }
        )
        cls.shop_owner = cls.Persona.create(
            {
                "name": "Shop Owner",
                "sequence": 2,
                "industry_ids": [Command.set([cls.retail.id])],
                "partner_domain": "[('is_company', '=', True)]",
                "min_fit_score": 50,
            }
        )
        cls.Partner = cls.env["res.partner"]
        cls.stage_new = cls.env["crm.stage"].create({"name": "New", "sequence": 1})
        cls.stage_won = cls.env["crm.stage"].create({"name": "Won", "sequence": 99, "is_won": True})

    # ------------------------------------------------------------ matching

    def test_match_explains_each_criterion(self):
        """A Belgian IT company meets country and industry but not the job title: 67%."""
        partner = self.Partner.create(
            {
                "name": "Brussels Hosting",
                "is_company": True,
                "country_id": self.belgium.id,
                "industry_id": self.it_industry.id,
                "persona_id": self.it_manager.id,
            }
        )
        self.assertEqual(partner.persona_fit_score, 67)
        explanation = partner.persona_fit_explanation
        self.assertIn("IT Manager fits 67%", explanation)
        self.assertIn("✔ Country is Belgium, France", explanation)
        self.assertIn("✔ Industry is IT/Communication", explanation)
        self.assertIn("✘ Job position contains IT manager, CTO", explanation)

    def test_assignment_picks_best_fit_and_respects_minimum(self):
        it_company = self.Partner.create(
            {
                "name": "Lyon IT",
                "is_company": True,
                "country_id": self.france.id,
                "industry_id": self.it_industry.id,
            }
        )
        cto = self.Partner.create(
            {"name": "Claire CTO", "country_id": self.belgium.id, "function": "CTO"}
        )
        shop = self.Partner.create(
            {"name": "Corner Shop", "is_company": True, "industry_id": self.retail.id}
        )
        stranger = self.Partner.create({"name": "German Farmer", "country_id": self.germany.id})
        partners = it_company | cto | shop | stranger
        (self.it_manager | self.shop_owner)._assign("res.partner", [("id", "in", partners.ids)])
        self.assertEqual(it_company.persona_id, self.it_manager, "country + industry: 67%")
        self.assertEqual(cto.persona_id, self.it_manager, "country + job title: 67%")
        self.assertEqual(shop.persona_id, self.shop_owner, "industry and company: 100%")
        self.assertFalse(stranger.persona_id, "fits nobody")
        self.assertFalse(it_company.persona_manual, "an assignment is not a manual choice")

    def test_assignment_is_tracked_and_refreshes_dependent_fields(self):
        shop = self.Partner.create(
            {"name": "Tracked Shop", "is_company": True, "industry_id": self.retail.id}
        )
        lead = self.env["crm.lead"].create(
            {"name": "Tracked lead", "function": "CTO", "country_id": self.belgium.id}
        )
        self.assertEqual((shop.persona_fit_score, lead.persona_fit_score), (0, 0))
        self.shop_owner._assign("res.partner", [("id", "=", shop.id)])
        self.it_manager._assign("crm.lead", [("id", "=", lead.id)])
        # fields computed from the persona follow it at once, as after a write
        self.assertEqual(shop.persona_fit_score, 100)
        self.assertEqual(lead.persona_fit_score, 67, "country and job title, not industry")
        # the chatter shows the change as tracking would, with the fit
        for record, persona, fit in ((shop, self.shop_owner, 100), (lead, self.it_manager, 67)):
            message = record.message_ids.filtered("tracking_value_ids")[:1]
            self.assertIn(f"assigned automatically (fit {fit}%)", str(message.body))
            tracking = message.tracking_value_ids
            self.assertEqual(tracking.field_id.name, "persona_id")
            self.assertEqual(
                (tracking.old_value_integer, tracking.new_value_integer), (0, persona.id)
            )
            self.assertEqual(tracking.new_value_char, persona.display_name)

    def test_assignment_never_overwrites_a_manual_choice(self):
        shop = self.Partner.create(
            {
                "name": "Shop chosen by hand",
                "is_company": True,
                "industry_id": self.retail.id,
                "persona_id": self.it_manager.id,
            }
        )
        cleared = self.Partner.create(
            {"name": "Cleared by hand", "is_company": True, "industry_id": self.retail.id}
        )
        cleared.persona_id = False
        self.assertTrue(shop.persona_manual)
        self.assertTrue(cleared.persona_manual)
        self.shop_owner._assign("res.partner", [("id", "in", (shop | cleared).ids)])
        self.assertEqual(shop.persona_id, self.it_manager)
        self.assertFalse(cleared.persona_id)

    @freeze_time("2026-06-15")
    def test_age_from_birth_date(self):
        young = self.Persona.create({"name": "Young", "age_min": 20, "age_max": 29})
        partners = self.Partner.create(
            [
                {"name": "Exactly 20", "birthdate_date": "2006-06-15"},
                {"name": "29, turns 30 tomorrow", "birthdate_date": "1996-06-16"},
                {"name": "Just 30", "birthdate_date": "1996-06-15"},
                {"name": "19", "birthdate_date": "2006-06-16"},
                {"name": "Unknown age"},
            ]
        )
        scores = young._fit_scores("res.partner", partners.ids)
        self.assertEqual(
            [scores[p.id][0] for p in partners],
            [100, 100, 0, 0, 0],
        )

    def test_cron_assigns_in_batches_and_reports_progress(self):
        shops = self.Partner.create(
            [
                {"name": f"Shop {i}", "is_company": True, "industry_id": self.retail.id}
                for i in range(5)
            ]
        )
        # Other data of the database may be assignable too: only count ours.
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_strategy.persona_assignment_position", f"res.partner,{shops[0].id - 1}"
        )
        self.Persona._cron_assign_personas(batch_size=3)
        self.assertEqual(shops[:3].persona_id, self.shop_owner)
        self.assertFalse(shops[3:].persona_id, "second batch not done yet")
        self.Persona._cron_assign_personas(batch_size=3)
        self.assertEqual(shops.persona_id, self.shop_owner)

    # ------------------------------------------------------------ leads

    def test_lead_inherits_partner_persona(self):
        partner = self.Partner.create({"name": "Shop", "persona_id": self.shop_owner.id})
        other = self.Partner.create({"name": "IT", "persona_id": self.it_manager.id})
        lead = self.env["crm.lead"].create({"name": "Lead", "partner_id": partner.id})
        self.assertEqual(lead.persona_id, self.shop_owner)
        self.assertFalse(lead.persona_manual)
        lead.partner_id = other
        self.assertEqual(lead.persona_id, self.it_manager, "follows a change of customer")

    def test_lead_keeps_persona_set_by_hand(self):
        partner = self.Partner.create({"name": "Shop", "persona_id": self.shop_owner.id})
        other = self.Partner.create({"name": "IT", "persona_id": self.it_manager.id})
        lead = self.env["crm.lead"].create(
            {"name": "Lead", "partner_id": partner.id, "persona_id": self.it_manager.id}
        )
        self.assertTrue(lead.persona_manual)
        lead.partner_id = other
        lead.partner_id = partner
        self.assertEqual(lead.persona_id, self.it_manager)

    def test_contact_inherits_company_persona_on_lead(self):
        company = self.Partner.create(
            {"name": "ACME", "is_company": True, "persona_id": self.it_manager.id}
        )
        contact = self.Partner.create({"name": "Jane", "parent_id": company.id})
        lead = self.env["crm.lead"].create({"name": "Lead", "partner_id": contact.id})
        self.assertEqual(lead.persona_id, self.it_manager)

    @users("strategy_rep")
    def test_rep_sets_persona_in_lead_form(self):
        partner = self.Partner.create({"name": "Shop", "persona_id": self.shop_owner.id})
        with Form(self.env["crm.lead"]) as form:
            form.name = "Walk-in"
            form.partner_id = partner
            self.assertEqual(form.persona_id, self.shop_owner)
            form.persona_id = self.it_manager
        lead = form.record
        self.assertEqual(lead.persona_id, self.it_manager)
        self.assertTrue(lead.persona_manual)
        self.assertIn("IT Manager", lead.persona_fit_explanation)

    # ------------------------------------------------------------ numbers

    def test_numbers_per_persona_match_hand_counts(self):
        Lead = self.env["crm.lead"]
        self.Partner.create(
            [
                {"name": "C1", "customer_rank": 1, "persona_id": self.it_manager.id},
                {"name": "C2", "customer_rank": 3, "persona_id": self.it_manager.id},
                {"name": "Prospect", "customer_rank": 0, "persona_id": self.it_manager.id},
                {"name": "C3", "customer_rank": 1, "persona_id": self.shop_owner.id},
            ]
        )
        common = {"persona_id": self.it_manager.id}
        won = Lead.create(
            [
                dict(common, name="W1", type="opportunity", expected_revenue=1000),
                dict(common, name="W2", type="opportunity", expected_revenue=3000),
            ]
        )
        # create_date comes from the database clock, which freezegun does not move.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = '2026-01-01 00:00:00' WHERE id IN %s",
            [tuple(won.ids)],
        )
        won.invalidate_recordset(["create_date"])
        with freeze_time("2026-01-11"):
            won[0].stage_id = self.stage_won
        with freeze_time("2026-01-31"):
            won[1].stage_id = self.stage_won
        lost = Lead.create(dict(common, name="L1", type="opportunity", expected_revenue=500))
        lost.action_set_lost()
        Lead.create(
            [
                dict(common, name="Open opp", type="opportunity", stage_id=self.stage_new.id),
                dict(common, name="Open lead", type="lead"),
                dict(common, name="Lead 2", type="lead"),
            ]
        )
        self.env.invalidate_all()
        it = self.it_manager
        self.assertEqual(it.customer_count, 2)
        self.assertEqual(it.lead_count, 2)
        self.assertEqual(it.opportunity_count, 1)
        self.assertEqual(it.won_count, 2)
        self.assertEqual(it.lost_count, 1)
        self.assertAlmostEqual(it.win_rate, 200 / 3, places=1)
        self.assertAlmostEqual(it.revenue_won, 4000)
        self.assertAlmostEqual(it.average_deal_size, 2000)
        self.assertAlmostEqual(it.average_sales_cycle, 20.0, msg="(10 + 30) / 2 days")
        self.assertEqual(self.shop_owner.customer_count, 1)
        self.assertEqual(self.shop_owner.won_count, 0)
        self.assertEqual(self.shop_owner.win_rate, 0)

    def test_numbers_use_one_query_per_figure(self):
        personas = self.it_manager | self.shop_owner
        personas |= self.Persona.create([{"name": f"P{i}"} for i in range(10)])
        self.env.invalidate_all()
        with self.assertQueryCount(6):
            personas.mapped("win_rate")

    # ------------------------------------------------------------ bad input

    def test_bad_age_range_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "minimum age"), self.cr.savepoint():
            self.Persona.create({"name": "Odd", "age_min": 40, "age_max": 30})
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.Persona.create({"name": "Negative", "age_min": -1})
        self.assertFalse(self.Persona.search([("name", "in", ["Odd", "Negative"])]))

    def test_bad_domains_are_refused(self):
        for domain in ("[('is_company', '=', True", "[('no_such_field', '=', 1)]", "42"):
            with (
                self.assertRaisesRegex(ValidationError, "Bad / Customer Criteria"),
                self.cr.savepoint(),
            ):
                self.Persona.create({"name": "Bad", "partner_domain": domain})
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.it_manager.lead_domain = "[('stage_id.nope', '=', 1)]"
        self.it_manager.invalidate_recordset()
        self.assertEqual(self.it_manager.lead_domain, "[]")
        self.assertFalse(self.Persona.search([("name", "=", "Bad")]))

    def test_persona_in_use_cannot_be_deleted_only_archived(self):
        self.Partner.create({"name": "User", "persona_id": self.shop_owner.id})
        with self.assertRaisesRegex(UserError, "Archive them instead"):
            self.shop_owner.unlink()
        self.shop_owner.action_archive()
        self.assertFalse(self.shop_owner.active)
        unused = self.Persona.create({"name": "Unused"})
        unused.unlink()
        self.assertFalse(unused.exists())

    # ------------------------------------------------------------ access

    def test_rep_reads_and_uses_but_cannot_edit_personas(self):
        Persona = self.Persona.with_user(self.rep)
        self.assertIn(self.it_manager, Persona.search([]))
        with self.assertRaises(AccessError):
            Persona.create({"name": "Rep persona"})
        with self.assertRaises(AccessError):
            self.it_manager.with_user(self.rep).name = "Renamed"
        lead = (
            self.env["crm.lead"]
            .with_user(self.rep)
            .create({"name": "Mine", "user_id": self.rep.id})
        )
        lead.persona_id = self.it_manager
        self.assertEqual(lead.persona_id, self.it_manager)

    def test_assign_button_lets_every_persona_compete(self):
        """Pressed on one persona, the button still gives each record its best fit."""
        shop = self.Partner.create(
            {"name": "Corner Shop", "is_company": True, "industry_id": self.retail.id}
        )
        self.it_manager.action_assign_personas()
        self.assertEqual(shop.persona_id, self.shop_owner)

    @users("strategy_manager")
    def test_manager_creates_and_assigns_personas(self):
        persona = self.env["crm.persona"].create(
            {"name": "Managers persona", "partner_domain": "[('is_company', '=', True)]"}
        )
        company = self.env["res.partner"].create({"name": "New Co", "is_company": True})
        persona.action_assign_personas()
        self.assertEqual(company.persona_id, persona)

    def test_personas_of_other_companies_are_invisible(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.Persona.create({"name": "Foreign", "company_id": other_company.id})
        self.assertNotIn(foreign, self.Persona.with_user(self.manager).search([]))
        self.manager.company_ids |= other_company
        visible = (
            self.Persona.with_user(self.manager)
            .with_context(allowed_company_ids=[other_company.id])
            .search([])
        )
        self.assertIn(foreign, visible)
