"""Screens that only read can be served by a read-only database replica.

The real check runs a hot standby (`make replica-check`, docs/deployment.md); these tests keep
the two properties it relies on inside `make test`: the read-only screens answer, and the routes
that only read are declared read-only (Odoo sends only those to the replica).
"""

from lxml import etree

from odoo.tests import HttpCase, new_test_user, tagged

from .common import CrmStrategyCase


@tagged("post_install", "-at_install")
class TestReplicaScreens(CrmStrategyCase):
    def test_every_pivot_and_graph_of_the_addon_groups(self):
        """A rep opening any pivot or graph of the addon gets groups, not an error (a field
        Odoo cannot group on, e.g. a non-stored compute, breaks the screen everywhere); the
        screens of company figures only managers read (acquisition cost), a manager."""
        views = self.env["ir.ui.view"].search(
            [("type", "in", ("pivot", "graph")), ("model", "=like", "crm.%")]
        )
        views = views.filtered(lambda v: v.xml_id.startswith("crm_strategy."))
        self.assertTrue(views)
        for view in views:
            model = self.env[view.model].with_user(self.rep)
            if not model.has_access("read"):
                model = model.with_user(self.manager)
            arch = model.get_views([(view.id, view.type)])["views"][view.type]["arch"]
            measures, groupby = ["__count"], []
            for node in etree.fromstring(arch).iter("field"):
                field = model._fields[node.get("name")]
                if node.get("type") == "measure":
                    measures.append(f"{field.name}:{field.aggregator or 'sum'}")
                else:
                    interval = node.get("interval")
                    groupby.append(f"{field.name}:{interval}" if interval else field.name)
            with self.subTest(view=view.xml_id):
                # raises for a field that cannot be grouped on or summed
                model.read_group([], measures, groupby, lazy=False)


@tagged("post_install", "-at_install")
class TestReplicaPortal(HttpCase):
    def test_points_history_is_served_read_only(self):
        """The member's points page is a read-only route, and renders on a read-only cursor
        (HttpCase runs read-only routes on a read-only transaction) without a retry."""
        member = new_test_user(
            self.env, login="replica_member", name="Rea Member", groups="base.group_portal"
        )
        program = self.env["loyalty.program"].create(
            {"name": "Replica Club", "program_type": "loyalty", "trigger": "auto"}
        )
        card = self.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": member.partner_id.id}
        )
        card._crm_earn(40, "Welcome points")
        url = f"/my/loyalty_card/{card.id}/ledger"
        endpoint, _args = self.env["ir.http"].routing_map().bind("").match(url)
        self.assertIs(endpoint.routing["readonly"], True)
        self.authenticate("replica_member", "replica_member")
        with self.assertNoLogs("odoo.http", "WARNING"):
            page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Welcome points", page.text)
