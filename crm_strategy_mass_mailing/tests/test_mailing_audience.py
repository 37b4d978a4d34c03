from odoo import Command
from odoo.addons.crm_strategy.tests.common import in_segment
from odoo.addons.mass_mailing.tests.common import MassMailCommon
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged, users
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestMailingAudience(MassMailCommon):
    """Send a mailing on a segment, persona or tier: exactly its contacts, never a
    blacklisted address nor a contact who withdrew consent to profiling."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_marketing.groups_id += cls.env.ref("crm_strategy.group_crm_strategy_user")
        cls.at_risk = cls.env.ref("crm_strategy.crm_rfm_segment_at_risk")
        cls.champions = cls.env.ref("crm_strategy.crm_rfm_segment_champions")
        names = ("risky1", "risky2", "blacklisted", "withdrawn", "champion")
        cls.partners = cls.env["res.partner"].create(
            [{"name": name, "email": f"{name}@example.com"} for name in names]
        )
        cls.env["crm.customer.value"].create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": cls.env.company.id,
                    **in_segment(cls.champions if partner.name == "champion" else cls.at_risk),
                }
                for partner in cls.partners
            ]
        )
        cls.env["mail.blacklist"]._add("blacklisted@example.com")
        cls.partners.filtered(lambda p: p.name == "withdrawn").crm_profiling_withdrawn = True

    def _mailing_from(self, record):
        action = record.action_crm_send_mailing()
        self.assertEqual(action["res_model"], "mailing.mailing")
        with Form(self.env["mailing.mailing"].with_context(**action["context"])) as form:
            form.body_arch = "<p>We miss you</p>"
        return form.record

    @users("user_marketing")
    @mute_logger("odoo.addons.mass_mailing.models.mailing", "odoo.addons.mail.models.mail_mail")
    def test_at_risk_mailing_reaches_the_segment_minus_opted_out(self):
        mailing = self._mailing_from(self.at_risk.with_user(self.env.user))
        self.assertEqual(mailing.mailing_model_real, "res.partner")
        self.assertEqual(mailing.subject, "At Risk")
        mailing.action_put_in_queue()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        reached = mailing.mailing_trace_ids.filtered(lambda t: t.trace_status == "sent")
        self.assertEqual(
            sorted(self.env["res.partner"].browse(reached.mapped("res_id")).mapped("name")),
            ["risky1", "risky2"],
        )
        self.assertEqual(
            sorted(self._mails, key=lambda m: m["email_to"][0])[0]["email_to"],
            ['"risky1" <risky1@example.com>'],
        )
        self.assertEqual(len(self._mails), 2)

    @users("user_marketing")
    def test_persona_and_tier_audiences(self):
        persona = self.env["crm.persona"].sudo().create({"name": "Bargain hunters"})
        self.partners[:2].sudo().persona_id = persona
        mailing = self._mailing_from(persona.with_user(self.env.user))
        self.assertEqual(
            sorted(self.env["res.partner"].search(mailing._parse_mailing_domain()).mapped("name")),
            ["risky1", "risky2"],
        )
        program = (
            self.env["loyalty.program"]
            .sudo()
            .create(
                {
                    "name": "Club",
                    "program_type": "loyalty",
                    "crm_tier_ids": [Command.create({"name": "Gold", "min_points": 100})],
                }
            )
        )
        gold = program.crm_tier_ids
        self.env["loyalty.card"].sudo().create(
            [
                {"program_id": program.id, "partner_id": partner.id, "crm_tier_id": gold.id}
                for partner in self.partners[2:]
            ]
        )
        mailing = self._mailing_from(gold.with_user(self.env.user))
        self.assertEqual(
            self.env["res.partner"].search(mailing._parse_mailing_domain()).mapped("name"),
            ["champion"],
            "the blacklisted and the withdrawn Gold members are left out",
        )

    @users("user_marketing")
    def test_cross_sell_rule_audience_bought_a_never_b(self):
        coffee, cups = (
            self.env["product.category"].sudo().create([{"name": "Coffee"}, {"name": "Cups"}])
        )
        company = self.env.company
        by_name = {p.name: p for p in self.partners}
        bought = [("risky1", coffee), ("risky2", coffee), ("risky2", cups)]
        bought += [("blacklisted", coffee), ("withdrawn", coffee)]
        self.env["crm.customer.category.share"].sudo().create(
            [
                {"partner_id": by_name[name].id, "company_id": company.id, "categ_id": categ.id}
                for name, categ in bought
            ]
        )
        rule = (
            self.env["crm.product.affinity"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "antecedent_categ_id": coffee.id,
                    "consequent_categ_id": cups.id,
                }
            )
        )
        mailing = self._mailing_from(rule.with_user(self.env.user))
        self.assertEqual(
            self.env["res.partner"].search(mailing._parse_mailing_domain()).mapped("name"),
            ["risky1"],
        )

    @users("user_marketing")
    def test_strategy_fields_are_usable_in_recipient_filters(self):
        searchable = {
            "res.partner": (
                "rfm_segment_id",
                "persona_id",
                "lifecycle_stage",
                "crm_loyalty_tier_id",
                "clv_predicted",
                "crm_profiling_withdrawn",
            ),
            "crm.lead": ("score", "lifecycle_stage", "persona_id", "score_hot"),
        }
        for model, names in searchable.items():
            described = self.env[model].fields_get(list(names), ["searchable"])
            for name in names:
                self.assertTrue(described[name]["searchable"], f"{model}.{name}")
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner.search(
                [("rfm_segment_id", "=", self.at_risk.id), ("clv_predicted", ">=", 0)]
            ).mapped("name"),
            ["blacklisted", "risky1", "risky2", "withdrawn"],
        )

    def test_only_marketing_users_create_mailings(self):
        rep = new_test_user(
            self.env, login="audience_rep", groups="crm_strategy.group_crm_strategy_user"
        )
        with self.assertRaises(AccessError):
            self.at_risk.with_user(rep).action_crm_send_mailing()
