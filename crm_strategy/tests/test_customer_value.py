import math
from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time, tagged

from .customer_value_common import CustomerValueCase

AS_OF = date(2025, 6, 30)


@tagged("post_install", "-at_install")
class TestCustomerValue(CustomerValueCase):
    """Five customers whose R, F, M scores and segments are worked out by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_five_customers()

    def test_scores_codes_and_segments(self):
        self._refresh(AS_OF)
        expected = {
            # partner: (recency, frequency, revenue, code, segment)
            self.acme: (5, 2, 300.0, "443", "Loyal Customers"),
            self.bob: (171, 1, 50.0, "112", "Lost"),
            self.cleo: (29, 4, 400.0, "354", "Loyal Customers"),
            self.dora: (1, 1, 1000.0, "515", "New Customers"),
            self.eli: (149, 1, 30.0, "211", "Hibernating"),
        }
        for partner, (recency, frequency, revenue, code, segment) in expected.items():
            value = self._value(partner)
            self.assertEqual(
                (
                    value.recency_days,
                    value.frequency,
                    value.monetary_total,
                    value.rfm_code,
                    value.segment_id.name,
                ),
                (recency, frequency, revenue, code, segment),
                partner.name,
            )
            self.assertEqual(value.as_of_date, AS_OF)
        self.assertEqual(self._value(self.cleo).first_purchase_date, date(2025, 3, 1))
        self.assertEqual(self._value(self.cleo).monetary_average, 100.0)

    def test_contacts_roll_up_and_partner_shows_company_value(self):
        self._refresh(AS_OF)
        self.assertFalse(self._value(self.acme_buyer), "a contact's orders count for its company")
        buyer = self.acme_buyer.with_user(self.rep)
        self.assertEqual(buyer.rfm_segment_id.name, "Loyal Customers")
        self.assertEqual(buyer.rfm_code, "443")
        self.assertEqual(buyer.clv_total, self._value(self.acme).clv_total)
        loyal = self.env["res.partner"].search(
            [("rfm_segment_id", "=", self.segments["Loyal Customers"].id)]
        )
        self.assertEqual(
            loyal & (self.acme | self.acme_buyer | self.cleo),
            self.acme | self.acme_buyer | self.cleo,
        )

    def test_customer_without_orders_has_no_value(self):
        self._refresh(AS_OF)
        self.assertFalse(self._value(self.nobody))
        self.assertFalse(self.nobody.rfm_segment_id)
        without = self.env["res.partner"].search(
            [("rfm_segment_id", "=", False), ("id", "=", self.nobody.id)]
        )
        self.assertEqual(without, self.nobody)

    def test_free_orders_count_as_purchases_worth_nothing(self):
        sample = self.env["res.partner"].create({"name": "Free Sample"})
        self._orders([(sample, date(2025, 6, 10), 0.0)])
        self._refresh(AS_OF)
        value = self._value(sample)
        self.assertEqual((value.frequency, value.monetary_total, value.m_score), (1, 0.0, 1))
        self.assertEqual((value.expected_order_value, value.clv_predicted), (0.0, 0.0))
        orders = self.env["sale.order"].search([("partner_id", "=", self.cleo.id)])
        if "margin" in orders._fields:  # Sale Margin installed
            self.assertEqual(self._value(self.cleo).margin_total, sum(orders.mapped("margin")))
        else:
            self.assertFalse(self._value(self.cleo).margin_total)

    def test_too_little_history_falls_back_without_nan(self):
        fit = self._refresh(AS_OF)
        self.assertFalse(fit.bgnbd_converged, "five customers are too few for a model")
        for value in self.env["crm.customer.value"].search([("company_id", "=", self.company.id)]):
            self.assertEqual(value.clv_basis, "history")
            for number in (
                value.clv_predicted,
                value.expected_purchases,
                value.probability_alive,
                value.clv_total,
            ):
                self.assertTrue(math.isfinite(number))
            self.assertGreaterEqual(value.clv_predicted, 0.0)
            self.assertGreaterEqual(value.clv_total, value.monetary_total)

    def test_one_time_buyers_only_cannot_be_fitted(self):
        shop = self.env["res.company"].create({"name": "One-off Shop"})
        partners = self.env["res.partner"].create([{"name": f"Once {i}"} for i in range(30)])
        self._orders(
            [(p, AS_OF - timedelta(days=i), 10.0 + i) for i, p in enumerate(partners)],
            company_id=shop.id,
        )
        fit = self._refresh(AS_OF, shop)
        self.assertEqual(fit.customer_count, 30)
        self.assertFalse(fit.bgnbd_converged)
        self.assertIn("no repeat purchase", fit.message)
        value = self._value(partners[0], shop)
        self.assertEqual(value.clv_basis, "history")
        self.assertTrue(math.isfinite(value.clv_predicted) and value.clv_predicted > 0)

    def test_archived_customers_keep_their_scores(self):
        self.cleo.active = False
        self._refresh(AS_OF)
        self.assertEqual(
            self._value(self.cleo).rfm_code, "354", "an archived customer still bought"
        )

    def test_cancelled_quotations_and_future_orders_do_not_count(self):
        late = self._orders([(self.bob, AS_OF + timedelta(days=3), 500.0)])
        quotation = self.env["sale.order"].create(self._order_vals(self.bob, AS_OF, 700.0))
        cancelled = self._orders([(self.bob, AS_OF, 900.0)])
        cancelled.write({"state": "cancel"})
        self._refresh(AS_OF)
        self.assertEqual(self._value(self.bob).monetary_total, 50.0)
        self.assertEqual(quotation.state, "draft")
        self.assertTrue(late)
        with freeze_time(AS_OF), self.assertRaisesRegex(UserError, "future"):
            self._refresh(AS_OF + timedelta(days=1))

    def test_other_currency_is_converted_and_other_company_kept_apart(self):
        other_currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search(
                [("id", "!=", self.company.currency_id.id), ("name", "in", ("EUR", "USD"))], limit=1
            )
        )
        other_currency.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": other_currency.id,
                "name": date(2025, 1, 1),
                "rate": 2.0,
                "company_id": self.company.id,
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": other_currency.id}
        )
        self._orders([(self.bob, date(2025, 6, 28), 300.0)], pricelist_id=pricelist.id)

        company2 = self.env["res.company"].create({"name": "Other Co"})
        self.env["sale.order"].with_company(company2).create(
            self._order_vals(self.bob, date(2025, 6, 29), 5000.0, company_id=company2.id)
        ).write({"state": "sale"})

        self._refresh(AS_OF)
        bob = self._value(self.bob)
        self.assertAlmostEqual(
            bob.monetary_total, 50.0 + 150.0, places=2, msg="300 at 2 per unit is 150"
        )
        self.assertEqual(bob.frequency, 2)
        self.assertFalse(
            self._value(self.bob, company2), "refreshing one company leaves the others alone"
        )
        self._refresh(AS_OF, company2)
        self.assertEqual(self._value(self.bob, company2).monetary_total, 5000.0)
        self.assertEqual(self._value(self.bob).monetary_total, 200.0)

    def test_invoices_net_of_refunds_larger_than_sales(self):
        self.company.rfm_source = "invoice"
        journal = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)], limit=1
        )

        def move(move_type, day, amount):
            return {
                "move_type": move_type,
                "partner_id": self.bob.id,
                "invoice_date": day,
                "journal_id": journal.id,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": self.product.id, "price_unit": amount, "tax_ids": False}
                    )
                ],
            }

        moves = self.env["account.move"].create(
            [
                move("out_invoice", date(2025, 3, 1), 100.0),
                move("out_invoice", date(2025, 4, 1), 40.0),
                move("out_refund", date(2025, 5, 1), 180.0),
            ]
        )
        moves.action_post()
        self._refresh(AS_OF)
        bob = self._value(self.bob)
        self.assertEqual(
            bob.monetary_total, -40.0, "refunds larger than sales give a negative revenue"
        )
        self.assertEqual(bob.frequency, 2, "a refund is not a purchase")
        self.assertEqual(bob.last_purchase_date, date(2025, 4, 1))
        self.assertEqual(bob.m_score, 1)
        self.assertEqual((bob.expected_order_value, bob.clv_predicted), (0.0, 0.0))
        self.assertFalse(
            self._value(self.cleo), "sale orders do not count when invoices are the source"
        )

    def test_segment_change_is_recorded_and_schedules_activity(self):
        self.cleo.user_id = self.rep
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.segments["Can't Lose Them"].write(
            {"activity_type_id": todo.id, "activity_summary": "Win Cleo back"}
        )
        self._refresh(AS_OF)
        self.assertEqual(self._value(self.cleo).segment_id.name, "Loyal Customers")
        self.assertEqual(self._value(self.cleo).segment_since, AS_OF)
        self.assertFalse(
            self.cleo.customer_segment_history_ids, "a first segment is not a segment change"
        )
        self._refresh(AS_OF)
        self.assertFalse(self.cleo.customer_segment_history_ids, "nothing moved, nothing recorded")
        self._orders([(self.bob, date(2025, 12, 30), 80.0)])
        self._refresh(date(2025, 12, 31))
        moves = {
            partner: (
                self._value(partner).segment_id.name,
                partner.customer_segment_history_ids[0].from_segment_id.name,
            )
            for partner in (self.acme, self.bob, self.cleo, self.dora, self.eli)
        }
        self.assertEqual(
            moves,
            {
                self.acme: ("Need Attention", "Loyal Customers"),
                self.bob: ("Potential Loyalists", "Lost"),
                self.cleo: ("Can't Lose Them", "Loyal Customers"),
                self.dora: ("Promising", "New Customers"),
                self.eli: ("Lost", "Hibernating"),
            },
        )
        self.assertEqual(
            self._value(self.cleo).segment_since, date(2025, 12, 31), "moved at that refresh"
        )
        self.assertEqual(
            self.cleo.customer_segment_history_ids.mapped("to_segment_id.name"), ["Can't Lose Them"]
        )
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("summary", "=", "Win Cleo back")]
        )
        self.assertEqual(activities.mapped("res_id"), [self.cleo.id])
        self.assertEqual(activities.user_id, self.rep)

    def test_segment_and_persona_numbers(self):
        persona = self.env["crm.persona"].create({"name": "Steady buyer"})
        (self.cleo | self.bob).write({"persona_id": persona.id, "persona_manual": True})
        self._refresh(AS_OF)
        average = (self._value(self.cleo).clv_total + self._value(self.bob).clv_total) / 2
        self.assertAlmostEqual(persona.with_user(self.rep).average_clv, average, places=2)
        loyal = self.segments["Loyal Customers"].with_user(self.rep)
        self.assertEqual((loyal.customer_count, loyal.revenue), (2, 700.0))
        self.assertGreaterEqual(loyal.average_clv, 350.0)

    def test_segment_grid_refuses_gaps_and_overlaps(self):
        champions, lost = self.segments["Champions"], self.segments["Lost"]
        with self.assertRaisesRegex(ValidationError, "R4 F4 is in"):
            champions.r_min = 4
        with self.assertRaisesRegex(ValidationError, "No segment covers R1 F1, R1 F2"):
            lost.active = False
        with self.assertRaisesRegex(ValidationError, "No segment covers"):
            lost.unlink()
        with self.assertRaises(ValidationError):
            self.env["crm.rfm.segment"].create({"name": "Everyone"})
        champions.name = "Stars"
        self.assertEqual(champions.name, "Stars")

    def test_grid_context_keys_do_not_skip_the_check(self):
        champions = self.segments["Champions"].with_user(self.manager)
        for key in ("rfm_grid_checked_later", "install_filename"):
            with self.subTest(key=key):
                with self.assertRaises(ValidationError) as caught:
                    champions.with_context(**{key: "crm_rfm_segment_data.xml"}).write({"r_min": 4})
                self.assertIn("R4 F4 is in", str(caught.exception))
                self.assertEqual(champions.r_min, 5)

    def _edit_map(self, ranges):
        wizard = Form(self.env["crm.rfm.segment.map"].with_user(self.manager))
        for index in range(len(wizard.line_ids)):
            with wizard.line_ids.edit(index) as line:
                for name, value in ranges.get(line.segment_id.name, {}).items():
                    setattr(line, name, value)
        return wizard.save()

    def test_segment_map_moves_cells_between_segments_at_once(self):
        champions, loyal = self.segments["Champions"], self.segments["Loyal Customers"]
        self._refresh(AS_OF)
        acme = self._value(self.acme)
        self.assertEqual((acme.rfm_code, acme.segment_id), ("443", loyal))
        overlapping = self._edit_map({"Champions": {"r_min": 4}})
        with self.assertRaisesRegex(ValidationError, "R4 F4 is in"):
            overlapping.action_apply()
        self.env.invalidate_all()
        self.assertEqual(champions.r_min, 5, "a refused map changes nothing")
        self.assertEqual(acme.segment_id, loyal)

        self._edit_map({"Champions": {"r_min": 4}, "Loyal Customers": {"r_max": 3}}).action_apply()
        self.assertEqual((champions.r_min, loyal.r_max), (4, 3))
        self.assertEqual(acme.segment_id, champions, "Acme (R4 F4) is a champion at once")
        self.assertEqual(self.acme.with_user(self.rep).rfm_segment_id, champions)
        self.assertEqual(champions.with_user(self.rep).customer_count, 1)
        self._refresh(AS_OF)
        self.assertEqual(acme.segment_id, champions)
        self.assertFalse(
            self.acme.customer_segment_history_ids,
            "the map moved Acme, not Acme's purchases: no change of segment to record",
        )

    def test_segment_searches_groups_and_sorts_like_a_stored_field(self):
        self._refresh(AS_OF)
        Value = self.env["crm.customer.value"].with_user(self.rep)
        loyal, lost = self.segments["Loyal Customers"], self.segments["Lost"]
        mine = [("partner_id", "in", (self.acme | self.bob | self.cleo | self.dora | self.eli).ids)]
        by_segment = {
            segment.name: count
            for segment, count in Value._read_group(mine, ["segment_id"], ["__count"])
        }
        self.assertEqual(
            by_segment,
            {"Loyal Customers": 2, "Lost": 1, "New Customers": 1, "Hibernating": 1},
        )
        cases = [
            ("=", loyal.id, self.acme | self.cleo),
            ("in", [loyal.id, lost.id], self.acme | self.bob | self.cleo),
            ("!=", loyal.id, self.bob | self.dora | self.eli),
            ("not in", [loyal.id], self.bob | self.dora | self.eli),
            ("ilike", "loyal", self.acme | self.cleo),
            ("not ilike", "loyal", self.bob | self.dora | self.eli),
            ("=", "Lost", self.bob),
            ("in", ["Lost", "Hibernating"], self.bob | self.eli),
            ("child_of", loyal.id, self.acme | self.cleo),
            ("parent_of", [lost.id], self.bob),
            ("=", False, self.env["res.partner"]),
            ("!=", False, self.acme | self.bob | self.cleo | self.dora | self.eli),
        ]
        for operator, value, partners in cases:
            with self.subTest(operator=operator, value=value):
                found = Value.search([*mine, ("segment_id", operator, value)])
                self.assertEqual(found.partner_id, partners)
        found = Value.search([*mine, ("segment_id.name", "=", "Lost")])
        self.assertEqual(found.partner_id, self.bob)
        # sorted as a many2one: by the segments' order (sequence), like the list view's column
        ordered = Value.search(mine, order="segment_id, partner_id")
        sequences = [value.segment_id.sequence for value in ordered]
        self.assertEqual(sequences, sorted(sequences))
        web = Value.web_read_group(mine, ["segment_id"], ["segment_id"], orderby="segment_id")
        self.assertEqual(
            [group["segment_id"][1] for group in web["groups"]],
            [segment.name for segment in Value.search(mine).segment_id.sorted()],
        )

    def test_segment_search_and_groups_keep_the_record_rules(self):
        # The segment is searched through a subquery of its own: the rep's personal rule must
        # still hide another salesperson's customer, in searches and in group counts.
        self._refresh(AS_OF)
        self.cleo.user_id = self.manager
        loyal = self.segments["Loyal Customers"]
        Value = self.env["crm.customer.value"].with_user(self.rep)
        found = Value.search([("segment_id", "=", loyal.id)])
        self.assertIn(self.acme, found.partner_id)
        self.assertNotIn(self.cleo, found.partner_id, "Cleo is the manager's customer")
        counts = dict(
            Value._read_group([("segment_id", "=", loyal.id)], ["segment_id"], ["__count"])
        )
        self.assertEqual(counts, {loyal: len(found)})
        self.assertEqual(loyal.with_user(self.rep).customer_count, len(found))
        partners = (
            self.env["res.partner"]
            .with_user(self.rep)
            .search([("rfm_segment_id", "=", loyal.id), ("id", "in", (self.acme | self.cleo).ids)])
        )
        self.assertEqual(partners, self.acme, "Cleo has no value the rep may see")

    def test_upgrade_drops_the_stored_segment_column(self):
        # A database installed when the segment was a stored column keeps it, with its
        # foreign key and the lost deals report's view reading it, until the module's update
        # drops them (the models' init(), in the order of an update).
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE crm_customer_value ADD COLUMN segment_id INTEGER"
            " REFERENCES crm_rfm_segment ON DELETE SET NULL"
        )
        cr.execute("DROP VIEW crm_lost_deal_report")
        cr.execute(
            "CREATE VIEW crm_lost_deal_report AS SELECT id, segment_id FROM crm_customer_value"
        )
        self.env["crm.customer.value"].init()
        self.env["crm.lost.deal.report"].init()
        cr.execute(
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_name = 'crm_customer_value' AND column_name = 'segment_id'"
        )
        self.assertFalse(cr.fetchall())
        self._refresh(AS_OF)
        self.assertEqual(self._value(self.bob).segment_id, self.segments["Lost"])
        self.assertEqual(self.env["crm.lost.deal.report"].search_count([]), 0)

    def test_upgrade_drops_the_history_log_columns(self):
        # Segment history rows carried who created and wrote them (two foreign keys a row);
        # only the refresh writes them, so a database's update drops the columns.
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE crm_customer_segment_history ADD COLUMN create_uid INTEGER"
            " REFERENCES res_users ON DELETE SET NULL, ADD COLUMN write_date TIMESTAMP"
        )
        self.env["crm.customer.segment.history"].init()
        cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'crm_customer_segment_history'"
            " AND column_name IN ('create_uid', 'create_date', 'write_uid', 'write_date')"
        )
        self.assertFalse(cr.fetchall())
        self._refresh(AS_OF)
        self._orders([(self.bob, date(2025, 12, 30), 80.0)])
        self._refresh(date(2025, 12, 31))
        self.assertEqual(
            self.bob.customer_segment_history_ids.mapped("from_segment_id.name"), ["Lost"]
        )

    def test_rights(self):
        self._refresh(AS_OF)
        value = self._value(self.cleo)
        self.assertEqual(value.with_user(self.rep).rfm_code, "354")
        with self.assertRaises(AccessError):
            value.with_user(self.rep).write({"rfm_code": "555"})
        with self.assertRaises(AccessError):
            value.with_user(self.outsider).read(["rfm_code"])
        with self.assertRaises(AccessError):
            self.env["crm.customer.value.refresh"].with_user(self.rep).create({})
        with self.assertRaises(AccessError):
            self.segments["Lost"].with_user(self.rep).write({"name": "Gone"})

    def test_manager_refreshes_from_the_wizard(self):
        with freeze_time(AS_OF):
            wizard = Form(self.env["crm.customer.value.refresh"].with_user(self.manager))
            wizard.as_of_date = date(2025, 6, 1)
            action = wizard.save().action_refresh()
        self.assertEqual(action["res_model"], "crm.customer.value")
        self.assertEqual(self._value(self.cleo).as_of_date, date(2025, 6, 1))
        self.assertFalse(self._value(self.dora), "Dora bought after the as-of date")
        fits = (
            self.env["crm.clv.fit"]
            .with_user(self.manager)
            .search([("company_id", "=", self.company.id)])
        )
        self.assertEqual(fits[0].customer_count, 3)
        self.assertFalse(self._value(self.acme), "Acme's purchases all came later")

    def test_cron_refreshes_one_company_per_run(self):
        company2 = self.env["res.company"].create({"name": "Second Co"})
        self.env["sale.order"].with_company(company2).create(
            self._order_vals(self.eli, date(2025, 6, 29), 70.0, company_id=company2.id)
        ).write({"state": "sale"})
        companies = self.env["res.company"].search([])
        Value = self.env["crm.customer.value"]
        with freeze_time(AS_OF):
            for _company in companies:
                Value._cron_refresh()
        self.assertEqual(self._value(self.cleo).as_of_date, AS_OF)
        self.assertEqual(self._value(self.eli, company2).monetary_total, 70.0)
        self.assertEqual(
            self.env["ir.config_parameter"].get_param("crm_strategy.customer_value_position"), "0"
        )
