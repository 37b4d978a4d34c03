"""The record rules as an attacker meets them: real XML-RPC and JSON-RPC calls.

Users (tests/common_security.py): Rita (own documents, company A), Ross (own documents,
company A, owns the lead and customer under attack), Alma (all documents, company A),
Bert (sales manager of company B only) and Paula (portal). See docs/security.md.
"""

import xmlrpc.client

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common_security import COMPANY_MODELS, StrategyDataMixin

ACCESS_ERROR = 4  # odoo/addons/base/controllers/rpc.py RPC_FAULT_CODE_ACCESS_ERROR


@tagged("post_install", "-at_install")
class TestSecurityRpc(StrategyDataMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_strategy_data()

    # ------------------------------------------------------------ helpers

    def _xmlrpc(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
        )

    def _search_ids(self, user, model, domain):
        return {row["id"] for row in self._xmlrpc(user, model, "search_read", domain, ["id"])}

    def assertXmlrpcAccessError(self, user, model, method, *args, **kwargs):
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self._xmlrpc(user, model, method, *args, **kwargs)
        self.assertEqual(caught.exception.faultCode, ACCESS_ERROR, caught.exception.faultString)

    def _jsonrpc(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def _goal_rpc_values(self, **values):
        vals = dict(self.goal_vals, **values)
        for fname in ("date_start", "date_deadline"):
            vals[fname] = vals[fname].isoformat()
        return vals

    def assertHidden(self, model, hidden, visible):
        """Rita cannot find `hidden` by XML-RPC nor read it by id, and finds `visible`."""
        found = self._search_ids(self.rep, model, [("id", "in", (hidden | visible).ids)])
        self.assertEqual(found, set(visible.ids), f"{model}: Rita sees {found}")
        self.assertXmlrpcAccessError(self.rep, model, "read", hidden.ids, ["id"])
        # Alma (all documents) sees both, as Odoo shows her every lead
        found = self._search_ids(self.rep_all, model, [("id", "in", (hidden | visible).ids)])
        self.assertEqual(found, set((hidden | visible).ids), f"{model}: Alma sees {found}")

    # ------------------------------------------------------------ own documents

    def test_rep_cannot_read_other_reps_engagement_events(self):
        self.assertHidden("crm.engagement.event", self.event | self.partner_event, self.own_event)
        # nor through the web client's own call, by e-mail or URL
        self.authenticate(self.rep.login, self.rep.login)
        result = self._jsonrpc(
            "crm.engagement.event",
            "web_search_read",
            [("email", "=", "carl@example.com")],
            specification={"email": {}, "url": {}},
        )
        self.assertEqual(result["length"], 0, result)
        urls = self._jsonrpc(
            "crm.engagement.event", "search_read", [("url", "ilike", "token")], ["url"]
        )
        self.assertFalse(urls)

    def test_rep_cannot_read_other_reps_score_history(self):
        own = self.env["crm.lead.score.history"].create({"lead_id": self.own_lead.id, "score": 3})
        self.assertHidden("crm.lead.score.history", self.score_history, own)

    def test_rep_cannot_read_other_reps_funnel_rows(self):
        self.assertTrue(self.funnel_rows, "the lead has a lifecycle stage, hence funnel rows")
        Funnel = self.env["crm.lifecycle.funnel.report"]
        own = Funnel.search([("lead_id", "=", self.own_lead.id)])
        found = self._search_ids(self.rep, "crm.lifecycle.funnel.report", [])
        self.assertTrue(set(own.ids) <= found)
        self.assertFalse(found & set(self.funnel_rows.ids))
        # nor counted in the pivot the web client draws
        self.authenticate(self.rep.login, self.rep.login)
        groups = self._jsonrpc(
            "crm.lifecycle.funnel.report",
            "read_group",
            [("lead_id", "=", self.lead.id)],
            ["conversion"],
            ["stage"],
            lazy=False,
        )
        self.assertEqual(groups, [])

    def test_rep_cannot_read_other_reps_customer_value(self):
        self.assertHidden("crm.customer.value", self.customer_value, self.own_customer_value)

    def test_rep_cannot_read_other_reps_segment_history(self):
        own = self.env["crm.customer.segment.history"].create(
            {
                "partner_id": self.own_customer.id,
                "company_id": self.company_a.id,
                "date": self.segment_history.date,
            }
        )
        self.assertHidden("crm.customer.segment.history", self.segment_history, own)

    def test_rep_cannot_read_other_reps_loyalty_ledger(self):
        own_card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.own_customer.id}
        )
        own = self.env["crm.loyalty.ledger"]._post_entries(
            [{"card": own_card, "entry_type": "adjust", "points": 5, "reason": "Welcome"}]
        )
        self.assertHidden("crm.loyalty.ledger", self.ledger, own)

    def test_rep_cannot_read_other_reps_tier_history(self):
        own_card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.own_customer.id}
        )
        own = self.env["crm.loyalty.tier.history"].create(
            {"card_id": own_card.id, "tier_id": self.tier.id, "change": "upgrade"}
        )
        self.assertHidden("crm.loyalty.tier.history", self.tier_history, own)

    def test_rep_cannot_read_other_reps_goals_and_checkins(self):
        self.assertHidden("crm.smart.goal", self.goal, self.own_goal)
        self.assertHidden("crm.smart.goal.checkin", self.checkin, self.own_goal.checkin_ids)

    # ------------------------------------------------------------ goal ownership

    def test_rep_cannot_give_own_goal_to_another_user_by_write(self):
        goal = self._xmlrpc(
            self.rep,
            "crm.smart.goal",
            "create",
            self._goal_rpc_values(name="Rita's new goal"),
        )
        self.assertXmlrpcAccessError(
            self.rep, "crm.smart.goal", "write", [goal], {"user_id": self.rep2.id}
        )
        self.assertXmlrpcAccessError(
            self.rep, "crm.smart.goal", "write", [goal], {"owner_type": "company"}
        )
        self.assertXmlrpcAccessError(
            self.rep,
            "crm.smart.goal",
            "write",
            [goal],
            {
                "owner_type": "team",
                "owner_team_id": self.env.ref("sales_team.team_sales_department").id,
            },
        )
        # the same values are refused at create, and the goal is still Rita's
        self.assertXmlrpcAccessError(
            self.rep,
            "crm.smart.goal",
            "create",
            self._goal_rpc_values(name="For Ross", user_id=self.rep2.id),
        )
        [row] = self._xmlrpc(self.rep, "crm.smart.goal", "read", [goal], ["owner_type", "user_id"])
        self.assertEqual((row["owner_type"], row["user_id"][0]), ("user", self.rep.id))
        # changing what is hers stays allowed, and a manager may hand goals over
        self._xmlrpc(self.rep, "crm.smart.goal", "write", [goal], {"target": 12})
        self._xmlrpc(self.manager, "crm.smart.goal", "write", [goal], {"user_id": self.rep2.id})
        self.assertEqual(self.env["crm.smart.goal"].browse(goal).user_id, self.rep2)

    def test_rep_cannot_give_own_goal_to_another_user_by_jsonrpc(self):
        """A plain `write` through the web client's endpoint (web_save would also fail
        on reading the goal back, hiding the hole)."""
        self.authenticate(self.rep.login, self.rep.login)
        for values in ({"user_id": self.rep2.id}, {"owner_type": "company"}):
            with (
                self.subTest(values=values),
                self.assertRaises(JsonRpcException) as caught,
                mute_logger("odoo.http"),  # the server logs the AccessError it returns
            ):
                self._jsonrpc("crm.smart.goal", "write", [self.own_goal.id], values)
            self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        self.assertEqual((self.own_goal.owner_type, self.own_goal.user_id), ("user", self.rep))

    # ------------------------------------------------------------ multi-company

    def test_manager_of_another_company_reads_nothing_of_company_a(self):
        for model in COMPANY_MODELS:
            with self.subTest(model=model):
                Model = self.env[model].sudo()
                ids = Model.search([("company_id", "=", self.company_a.id)]).ids
                self.assertTrue(ids, f"{model}: the test needs a company A record")
                self.assertEqual(
                    self._search_ids(self.manager_b, model, [("id", "in", ids)]), set()
                )
                if Model._auto:
                    self.assertXmlrpcAccessError(self.manager_b, model, "read", ids[:1], ["id"])
                # the same manager in company A sees them
                self.assertEqual(
                    self._search_ids(self.manager, model, [("id", "in", ids)]), set(ids)
                )

    # ------------------------------------------------------------ portal

    def test_portal_user_gets_access_error_on_every_model(self):
        models = self.env["ir.model"].search([("model", "in", list(self.env.registry))])
        ours = [
            m.model
            for m in models
            if self.env[m.model]._original_module == "crm_strategy"
            and not self.env[m.model]._abstract
        ]
        self.assertIn("crm.engagement.event", ours)
        for model in ours:
            with self.subTest(model=model):
                self.assertXmlrpcAccessError(self.portal, model, "search_read", [], ["id"])
