from odoo.tests import Form, tagged

from .common import CrmStrategyCase


@tagged("post_install", "-at_install")
class TestCrmBuyingArchetype(CrmStrategyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.hesitant = ref("crm_strategy.crm_buying_archetype_hesitant")
        cls.impatient = ref("crm_strategy.crm_buying_archetype_impatient")
        cls.regular = ref("crm_strategy.crm_buying_archetype_regular")
        cls.persona = cls.env["crm.persona"].create(
            {"name": "Careful Buyer", "archetype_id": cls.hesitant.id}
        )
        cls.other_persona = cls.env["crm.persona"].create(
            {"name": "Rushed Buyer", "archetype_id": cls.impatient.id}
        )

    def test_the_eight_archetypes_ship_with_playbooks(self):
        archetypes = self.env["crm.buying.archetype"].search([])
        self.assertEqual(
            set(archetypes.mapped("name")),
            {
                "Impatient",
                "Hesitant",
                "Argumentative",
                "Information seeker",
                "Cautious and slow",
                "Self-confident",
                "Promotion-driven",
                "Regular",
            },
        )
        self.assertTrue(all(archetypes.mapped("playbook")))

    def test_contact_defaults_to_its_persona_behaviour(self):
        partner = self.env["res.partner"].create({"name": "Pat", "persona_id": self.persona.id})
        self.assertEqual(partner.buying_archetype_id, self.hesitant)
        self.assertFalse(partner.buying_archetype_manual)
        partner.persona_id = self.other_persona
        self.assertEqual(partner.buying_archetype_id, self.impatient)
        # the persona's behaviour changes: its customers follow
        self.other_persona.archetype_id = self.regular
        self.assertEqual(partner.buying_archetype_id, self.regular)

    def test_behaviour_set_by_hand_stays_until_cleared(self):
        partner = self.env["res.partner"].create({"name": "Pam", "persona_id": self.persona.id})
        partner.with_user(self.rep).buying_archetype_id = self.regular
        self.assertTrue(partner.buying_archetype_manual)
        partner.persona_id = self.other_persona
        self.assertEqual(partner.buying_archetype_id, self.regular)
        # clearing it goes back to the persona's
        partner.buying_archetype_id = False
        self.assertFalse(partner.buying_archetype_manual)
        self.assertEqual(partner.buying_archetype_id, self.impatient)

    def test_lead_takes_its_customer_behaviour_then_its_persona(self):
        customer = self.env["res.partner"].create(
            {"name": "Quinn", "persona_id": self.persona.id, "buying_archetype_id": self.regular.id}
        )
        lead = self.env["crm.lead"].create({"name": "Deal", "partner_id": customer.id})
        self.assertEqual(lead.buying_archetype_id, self.regular)
        orphan = self.env["crm.lead"].create(
            {"name": "Orphan", "persona_id": self.other_persona.id}
        )
        self.assertEqual(orphan.buying_archetype_id, self.impatient)
        orphan.buying_archetype_id = self.hesitant
        orphan.persona_id = self.persona
        self.assertEqual(orphan.buying_archetype_id, self.hesitant)

    def test_rep_sees_the_playbook_on_the_lead_form(self):
        lead = self.env["crm.lead"].create(
            {"name": "Form deal", "type": "opportunity", "user_id": self.rep.id}
        )
        with Form(lead.with_user(self.rep)) as form:
            form.buying_archetype_id = self.impatient
            self.assertIn("Answer within the hour", form.buying_archetype_playbook)
        self.assertEqual(lead.buying_archetype_id, self.impatient)
        self.assertTrue(lead.buying_archetype_manual)

    def test_deleted_archetype_clears_the_behaviour(self):
        archetype = self.env["crm.buying.archetype"].create({"name": "Short-lived"})
        partner = self.env["res.partner"].create(
            {"name": "Ray", "buying_archetype_id": archetype.id}
        )
        archetype.unlink()
        self.assertFalse(partner.buying_archetype_id)
