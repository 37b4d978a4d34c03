"""The demo company: several hundred customers, two years of orders, loyalty members, scored
leads and goals, generated at install (demo/crm_strategy_demo_company.xml).

Deterministic: every draw comes from one seeded `random.Random`; dates are relative to today so
the demo looks current. Customers are spread on purpose over the 25 cells of the RFM grid
(recency level x frequency level, equal shares per level, so the quintile scores land in the
intended cell), which gives every one of the 11 default segments customers. Most customers
are given the traits of one of the company's buyer personas (country, industry, job position,
age), then the persona matching assigns them as it would real customers.
"""

import logging
import random
import time
from datetime import datetime, timedelta
from datetime import time as dt_time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

SEED = 42
QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True}
ORDER_BATCH = 500
# days since the last order for each recency level (5 = most recent); orders span two years
RECENCY_DAYS = {5: (0, 20), 4: (25, 75), 3: (90, 190), 2: (210, 380), 1: (400, 700)}
HISTORY_DAYS = 730
# the nightly refresh as it ran a quarter ago, then today: the customers' segment history shows
# who moved (a customer's first segment is no history row, only the moves are)
EARLIER_REFRESH = relativedelta(months=3)
# purchase days per frequency level (5 = most frequent)
ORDER_COUNTS = {1: (1, 1), 2: (2, 2), 3: (3, 4), 4: (5, 7), 5: (8, 13)}
FIRST_NAMES = [
    "Anna", "Bruno", "Chloe", "Daan", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
    "Katrin", "Lucas", "Marta", "Nils", "Olivia", "Pieter", "Quentin", "Rosa", "Sven", "Tess",
]  # fmt: skip
LAST_NAMES = [
    "Peeters", "Janssens", "Maes", "Dubois", "Lambert", "Martin", "Bernard", "De Vries",
    "Jansen", "Muller", "Schmidt", "Rossi", "Garcia", "Moreau", "Laurent", "Fontaine",
]  # fmt: skip
COUNTRIES = ["base.be", "base.nl", "base.fr", "base.de", "base.lu", "base.us"]
PRODUCTS = [
    ("Espresso machine", 320.0),
    ("Coffee grinder", 140.0),
    ("Coffee beans 1 kg", 24.0),
    ("Barista course", 95.0),
    ("Milk frother", 60.0),
    ("Maintenance kit", 35.0),
]
# product categories, and the products each kind of customer buys (so cross-sell rules show)
PRODUCT_CATEGORIES = {
    "Coffee Machines": ("Espresso machine", "Coffee grinder"),
    "Coffee": ("Coffee beans 1 kg",),
    "Training": ("Barista course",),
    "Accessories": ("Milk frother", "Maintenance kit"),
}
TASTES = [
    ("Espresso machine", "Coffee grinder", "Maintenance kit", "Milk frother", "Coffee beans 1 kg"),
    ("Coffee beans 1 kg", "Barista course"),
    ("Coffee beans 1 kg", "Milk frother"),
]
# share of the customers drawn to look like one of the personas; the others fit none
PERSONA_SHARE = 0.8
TIERS = [("Bronze", 0.0, 1.0, 8), ("Silver", 500.0, 1.25, 4), ("Gold", 1500.0, 1.5, 3)]
# leads per lifecycle stage they are created in; "lead" ones get the engagement that scoring
# turns into MQL or SQL (the rest stay cold)
# where the demo's customers came from (their first order's UTM source) and what each channel
# costs a month: the acquisition cost report and CLV:CAC have figures to show
CHANNELS = [
    ("utm.utm_source_search_engine", 0.45, (900.0, 1400.0)),
    ("utm.utm_source_newsletter", 0.30, (150.0, 300.0)),
    ("utm.utm_source_facebook", 0.25, (400.0, 800.0)),
]
LEAD_STAGES = [
    ("subscriber", 0.10),
    ("lead", 0.50),
    ("opportunity", 0.15),
    ("customer", 0.12),
    ("evangelist", 0.05),
    ("disqualified", 0.08),
]


class CrmStrategyDemo(models.AbstractModel):
    _name = "crm.strategy.demo"
    _description = "CRM Strategy Demo Company Generator"

    @api.model
    def _generate_demo_company(self, customers=250, leads=150):
        """Create the demo company's data in the current company; returns the counts."""
        started = time.perf_counter()
        rng = random.Random(SEED)
        today = fields.Date.context_today(self)
        company = self.env.company
        partners = self._demo_customers(rng, customers)
        with_persona = self._demo_personas(partners, today)
        orders = self._demo_orders(rng, partners, today)
        spend = self._demo_acquisition(orders, today)
        self.env["crm.customer.month"].sudo()._refresh(company)
        CustomerValue = self.env["crm.customer.value"].sudo()
        CustomerValue._refresh(company, today - EARLIER_REFRESH)
        fit = CustomerValue._refresh(company, today)
        Affinity = self.env["crm.product.affinity"].sudo()
        Affinity._refresh_company(company, today)
        entries = self._demo_loyalty(rng, partners, orders, today)
        # the cockpit's loyalty figures, as the nightly refresh would have stored them
        self.env["crm.loyalty.month"].sudo()._refresh()
        lead_records, events = self._demo_leads(rng, partners, leads, today)
        goals = self._demo_goals(today)
        counts = {
            "customers": len(partners),
            "customers_with_persona": with_persona,
            "orders": len(orders),
            "marketing_spend_lines": len(spend),
            "valued_customers": fit.customer_count,
            "cross_sell_rules": Affinity.search_count([("company_id", "=", company.id)]),
            "ledger_entries": entries,
            "leads": len(lead_records),
            "engagement_events": len(events),
            "goals": len(goals),
        }
        _logger.info(
            "demo company generated in %.1fs: %s",
            time.perf_counter() - started,
            ", ".join(f"{count} {name}" for name, count in counts.items()),
        )
        return counts

    # ------------------------------------------------------------ customers and orders

    def _demo_customers(self, rng, count):
        countries = [self.env.ref(xmlid) for xmlid in COUNTRIES]
        vals_list = []
        for i in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            slug = f"{first}.{last}".lower().replace(" ", "")
            vals_list.append(
                {
                    "name": f"{first} {last}",
                    "email": f"{slug}.{i + 1}@example.com",
                    "country_id": rng.choice(countries).id,
                    "customer_rank": 1,
                }
            )
        return self.env["res.partner"].create(vals_list)

    def _demo_personas(self, partners, today):
        """Give most customers the traits a persona looks for, then assign personas with the
        persona matching itself; returns how many customers got one. Own random draws, so
        that the orders, loyalty and leads stay those of the same seed."""
        personas = self.env["crm.persona"].search(
            [("company_id", "in", [False, self.env.company.id])], order="sequence, id"
        )
        if not personas:
            return 0
        rng = random.Random(SEED + 1)
        groups = {}
        for partner in partners:
            if rng.random() >= PERSONA_SHARE:
                continue
            persona = rng.choice(personas)
            vals = {}
            if persona.country_ids:
                vals["country_id"] = rng.choice(persona.country_ids).id
            if persona.industry_ids:
                vals["industry_id"] = rng.choice(persona.industry_ids).id
            titles = [t.strip() for t in (persona.job_titles or "").split(",") if t.strip()]
            if titles:
                vals["function"] = rng.choice(titles)
            if persona.age_min or persona.age_max:
                age = rng.randint(persona.age_min or 18, persona.age_max or 75)
                born = today - relativedelta(years=age) - timedelta(days=rng.randint(0, 360))
                vals["birthdate_date"] = born
            groups.setdefault(tuple(sorted(vals.items())), []).append(partner.id)
        Partner = self.env["res.partner"].with_context(**QUIET)
        for vals, ids in groups.items():  # one write per combination of traits
            Partner.browse(ids).write(dict(vals))
        return personas._assign("res.partner", [("id", "in", partners.ids)])

    def _demo_orders(self, rng, partners, today):
        """Confirmed orders whose purchase days put each customer in its RFM cell."""
        categories = self.env["product.category"].create(
            [{"name": name} for name in PRODUCT_CATEGORIES]
        )
        categ_of = {
            product: categ
            for categ, (_name, products) in zip(categories, PRODUCT_CATEGORIES.items(), strict=True)
            for product in products
        }
        products = self.env["product.product"].create(
            [
                {
                    "name": name,
                    "list_price": price,
                    "type": "consu",
                    "sale_ok": True,
                    "categ_id": categ_of[name].id,
                }
                for name, price in PRODUCTS
            ]
        )
        by_name = {product.name: product for product in products}
        cells = [(r, f) for r in range(1, 6) for f in range(1, 6)]
        order_vals, days = [], []
        for i, partner in enumerate(partners):
            r_level, f_level = cells[i % len(cells)]
            recency = rng.randint(*RECENCY_DAYS[r_level])
            n_days = rng.randint(*ORDER_COUNTS[f_level])
            earlier = rng.sample(range(recency + 1, HISTORY_DAYS + 1), n_days - 1)
            basket = rng.uniform(0.5, 2.0)
            taste = [by_name[name] for name in TASTES[i % len(TASTES)]]
            for ago in sorted([recency, *earlier], reverse=True):
                product = rng.choice(taste)
                order_vals.append(
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            fields.Command.create(
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": max(1, round(basket * rng.uniform(1, 3))),
                                }
                            )
                        ],
                    }
                )
                days.append(today - timedelta(days=ago))
        # history, not sales made today: no chatter, no loyalty rewards applied at confirmation
        SaleOrder = self.env["sale.order"].with_context(**QUIET)
        orders = SaleOrder
        for start in range(0, len(order_vals), ORDER_BATCH):
            orders |= SaleOrder.create(order_vals[start : start + ORDER_BATCH])
        orders.write({"state": "sale"})
        # move each order back to its purchase day (never later than now), set-based
        now = fields.Datetime.now()
        self.env.flush_all()
        values = [
            (order.id, min(datetime.combine(day, dt_time(10)), now))
            for order, day in zip(orders, days, strict=True)
        ]
        self.env.cr.execute(
            SQL(
                """
                UPDATE sale_order o SET date_order = v.day, create_date = v.day
                  FROM (VALUES %s) AS v(id, day) WHERE o.id = v.id
                """,
                SQL(", ").join(SQL("(%s, %s::timestamp)", oid, day) for oid, day in values),
            )
        )
        orders.invalidate_recordset(["date_order", "create_date"])
        return orders

    # ------------------------------------------------------------ acquisition

    def _demo_acquisition(self, orders, today):
        """Each customer's first order gets the UTM source that brought them, and every channel
        a month of marketing spend for the two years of history. Draws from a random generator
        of its own, so the customers, orders and leads stay what they were."""
        rng = random.Random(SEED + 1)
        sources = [self.env.ref(xmlid) for xmlid, _share, _cost in CHANNELS]
        weights = [share for _xmlid, share, _cost in CHANNELS]
        first = {}
        for order in orders.sorted(lambda o: (o.date_order, o.id)):
            first.setdefault(order.partner_id, order)
        by_source = {}
        for order in first.values():
            source = rng.choices(sources, weights)[0]
            by_source[source] = by_source.get(source, orders.browse()) | order
        for source, channel_orders in by_source.items():
            channel_orders.with_context(**QUIET).write({"source_id": source.id})
        month = (today - timedelta(days=HISTORY_DAYS)).replace(day=1)
        vals_list = []
        while month <= today:
            for source, (_xmlid, _share, (low, high)) in zip(sources, CHANNELS, strict=True):
                vals_list.append(
                    {
                        "name": f"{source.name}: monthly budget",
                        "date": month,
                        "source_id": source.id,
                        "amount": round(rng.uniform(low, high), 2),
                    }
                )
            month += relativedelta(months=1)
        return self.env["crm.marketing.spend"].create(vals_list)

    # ------------------------------------------------------------ loyalty

    def _demo_loyalty(self, rng, partners, orders, today):
        """A tiered program; members earn on their orders (a year's validity, so the oldest
        lots expire), redeem some points, and are ranked into tiers. Returns entries posted."""
        program = self.env["loyalty.program"].create(
            {
                "name": self.env._("Coffee Club"),
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "crm_points_validity_days": 365,
                # 100 points buy a 5.00 reward: the cockpit shows what members are owed
                "crm_point_value": 0.05,
                "crm_tier_ids": [
                    fields.Command.create(
                        {"name": name, "min_points": points, "multiplier": mult, "color": color}
                    )
                    for name, points, mult, color in TIERS
                ],
            }
        )
        by_partner = orders.grouped("partner_id")
        members = partners.filtered(lambda p: len(by_partner.get(p, ())) >= 2)
        members = members.browse(sorted(rng.sample(members.ids, k=len(members) * 2 // 3)))
        cards = self.env["loyalty.card"].create(
            [{"program_id": program.id, "partner_id": partner.id} for partner in members]
        )
        Ledger = self.env["crm.loyalty.ledger"]
        now = fields.Datetime.now()
        vals_list = []
        for card in cards:
            balance = 0.0
            for order in by_partner[card.partner_id].sorted("date_order"):
                points = Ledger._round(order.amount_untaxed)
                balance += points
                vals_list.append(
                    {
                        "card": card,
                        "entry_type": "earn",
                        "points": points,
                        "reason": self.env._("Points earned on %(order)s", order=order.name),
                        "source": order,
                        "date": order.date_order,
                    }
                )
                if balance >= 300 and rng.random() < 0.3:
                    spent = Ledger._round(balance * rng.uniform(0.3, 0.8))
                    balance -= spent
                    vals_list.append(
                        {
                            "card": card,
                            "entry_type": "redeem",
                            "points": -spent,
                            "reason": self.env._("Reward redeemed"),
                            "date": min(order.date_order + timedelta(days=rng.randint(1, 20)), now),
                        }
                    )
        entries = Ledger._post_entries(vals_list)
        _cards, expired = Ledger._expire_points(today)
        cards._crm_evaluate_tiers(today)
        return len(entries) + int(expired)

    # ------------------------------------------------------------ leads

    def _demo_leads(self, rng, partners, count, today):
        """Leads in every lifecycle stage with engagement events, rescored by the scoring
        model of the company (demo/crm_scoring_model_demo.xml): some turn MQL or SQL."""
        now = fields.Datetime.now()
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        open_stage = self.env["crm.stage"].search([("is_won", "=", False)], limit=1)
        user = self.env.ref("base.user_admin")
        countries = [self.env.ref(xmlid) for xmlid in COUNTRIES]
        stages = [stage for stage, share in LEAD_STAGES for _i in range(round(share * count))]
        stages += ["lead"] * (count - len(stages))
        lead_vals = []
        for i, stage in enumerate(stages[:count]):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            domain = "gmail.com" if rng.random() < 0.3 else f"{last.lower().replace(' ', '')}.com"
            contact = f"{first} {last}"  # a plain name: babel's extractor evaluates literals
            vals = {
                "name": self.env._("%(name)s: coffee corner", name=contact),
                "contact_name": contact,
                "email_from": f"{first.lower()}.{i + 1}@{domain}",
                "country_id": rng.choice(countries).id,
                "user_id": user.id,
                "type": "lead",
                "lifecycle_stage": stage,
                "expected_revenue": rng.randrange(500, 20000, 250),
            }
            if stage in ("opportunity", "customer", "evangelist"):
                vals.update(type="opportunity", partner_id=rng.choice(partners).id)
                vals["stage_id"] = (open_stage if stage == "opportunity" else won_stage).id
            lead_vals.append(vals)
        leads = self.env["crm.lead"].create(lead_vals)
        event_vals = []
        for lead in leads.filtered(lambda lead: lead.lifecycle_stage == "lead"):
            # a third hot (meeting + pricing), a third warm (mailings + pricing), a third cold
            heat = rng.choice(("hot", "warm", "cold"))
            events = [("page_view", "/blog/coffee-at-work", rng.randint(30, 120))]
            if heat in ("hot", "warm"):
                events += [("page_view", "/pricing", rng.randint(0, 3)) for _i in range(2)]
                events += [("email_click", False, rng.randint(1, 30)) for _i in range(5)]
            if heat == "hot":
                events.append(("meeting_booked", False, rng.randint(0, 5)))
            if heat == "cold" and rng.random() < 0.3:
                events.append(("unsubscribe", False, rng.randint(5, 60)))
            for event_type, path, ago in events:
                event_vals.append(
                    {
                        "lead_id": lead.id,
                        "event_type": event_type,
                        "url": path and f"https://www.example.com{path}",
                        "timestamp": now - timedelta(days=ago, hours=rng.randint(0, 12)),
                    }
                )
        Event = self.env["crm.engagement.event"]
        # one rescoring of every lead at the end, not one per created event
        with Event._scoring_deferred():
            events = Event.create(event_vals)
        self.env["crm.lead"].sudo()._score_leads(leads.ids)
        return leads, events

    # ------------------------------------------------------------ goals

    def _demo_goals(self, today):
        """Goals on leads created, with targets set so that each status appears once."""
        user = self.env.ref("base.user_admin")
        metric = self.env.ref("crm_strategy.crm_goal_metric_leads_created")
        objective = self.env["crm.strategy.objective"]._load_records(
            [
                {
                    "xml_id": "crm_strategy.crm_strategy_objective_pipeline_demo",
                    "noupdate": True,
                    "values": {
                        "name": self.env._("Grow the pipeline"),
                        "user_id": user.id,
                        "date_start": today - timedelta(days=60),
                        "date_deadline": today + timedelta(days=15),
                    },
                }
            ]
        )
        current = (today - timedelta(days=14), today + timedelta(days=15))  # half elapsed
        past = (today - timedelta(days=60), today - timedelta(days=31))
        specs = [
            # key, name, period, target as a multiple of the period's value (+ offset)
            ("leads_ahead", self.env._("Leads this month (ahead)"), current, 1.5, 0),
            ("leads_behind", self.env._("Leads this month (slightly behind)"), current, 2.2, 0),
            ("leads_far_behind", self.env._("Leads this month (far behind)"), current, 4.0, 0),
            ("leads_done", self.env._("Leads this month (done)"), current, 1.0, 0),
            ("leads_last_month", self.env._("Leads last month"), past, 1.0, 25),
        ]
        # with external ids, like XML demo records: uninstalling deletes them before the metrics
        goals = self.env["crm.smart.goal"]._load_records(
            [
                {
                    "xml_id": f"crm_strategy.crm_smart_goal_{key}_demo",
                    "noupdate": True,
                    "values": {
                        "name": name,
                        "description": self.env._("New leads and opportunities of my own."),
                        "objective_id": objective.id,
                        "metric_id": metric.id,
                        "owner_type": "user",
                        "user_id": user.id,
                        "target": 1,
                        "date_start": start,
                        "date_deadline": deadline,
                    },
                }
                for key, name, (start, deadline), _factor, _offset in specs
            ]
        )
        values = goals._compute_metric_values()
        for goal, (_key, _name, _period, factor, offset) in zip(goals, specs, strict=True):
            goal.target = max(round(values.get(goal.id, 0.0) * factor) + offset, 1)
        goals._refresh_progress()
        return goals
