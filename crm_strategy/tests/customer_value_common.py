from datetime import date, datetime

from odoo import Command

from .common import CrmStrategyCase


class CustomerValueCase(CrmStrategyCase):
    """Customers buying through real confirmed sale orders of a tax-free service."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.product = cls.env["product.product"].create(
            {
                "name": "Consulting day",
                "type": "service",
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.segments = {
            segment.name: segment
            for segment in cls.env["crm.rfm.segment"].with_context(lang="en_US").search([])
        }

    @classmethod
    def _order_vals(cls, partner, day, amount, **extra):
        return {
            "partner_id": partner.id,
            "date_order": datetime.combine(day, datetime.min.time().replace(hour=12)),
            "order_line": [
                Command.create(
                    {
                        "product_id": cls.product.id,
                        "product_uom_qty": 1,
                        "price_unit": amount,
                        "tax_id": False,
                    }
                )
            ],
            **extra,
        }

    @classmethod
    def _orders(cls, rows, **extra):
        """Confirmed orders from (partner, date, untaxed amount) rows.

        Created as quotations then marked confirmed in one write: action_confirm
        would move the order date to today, and lines added to a confirmed order
        post a message each.
        """
        orders = cls.env["sale.order"].with_context(tracking_disable=True, mail_create_nolog=True)
        orders = orders.create([cls._order_vals(p, d, a, **extra) for p, d, a in rows])
        orders.write({"state": "sale"})
        return orders

    @classmethod
    def _create_five_customers(cls):
        """Acme (with its contact Ann), Bob, Cleo, Dora and Eli; scores as of 2025-06-30:
        Acme 443 Loyal Customers, Bob 112 Lost, Cleo 354 Loyal Customers, Dora 515 New
        Customers, Eli 211 Hibernating (worked out in test_customer_value)."""
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Acme", "is_company": True})
        cls.acme_buyer = Partner.create({"name": "Ann Buyer", "parent_id": cls.acme.id})
        cls.bob, cls.cleo, cls.dora, cls.eli = Partner.create(
            [{"name": name} for name in ("Bob", "Cleo", "Dora", "Eli")]
        )
        cls.nobody = Partner.create({"name": "Never Bought"})
        d = date
        cls._orders(
            [
                # Acme: two purchases, the last by its contact, 5 days before the as-of date.
                (cls.acme, d(2025, 6, 20), 100.0),
                (cls.acme_buyer, d(2025, 6, 25), 200.0),
                (cls.bob, d(2025, 1, 10), 50.0),
                (cls.cleo, d(2025, 3, 1), 100.0),
                (cls.cleo, d(2025, 4, 1), 100.0),
                (cls.cleo, d(2025, 5, 1), 100.0),
                (cls.cleo, d(2025, 6, 1), 100.0),
                (cls.dora, d(2025, 6, 29), 1000.0),
                # Eli: two orders on one day are one purchase.
                (cls.eli, d(2025, 2, 1), 10.0),
                (cls.eli, d(2025, 2, 1), 20.0),
            ]
        )

    def _refresh(self, as_of, company=None):
        return self.env["crm.customer.value"]._refresh(company or self.company, as_of)

    def _value(self, partner, company=None):
        return self.env["crm.customer.value"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", (company or self.company).id)]
        )


def company_goal(env, kind, date_start, date_deadline, **vals):
    """A company goal on the catalogue metric `kind`, its value computed on creation."""
    objective = env["crm.strategy.objective"].create({"name": "Strategy KPIs"})
    return env["crm.smart.goal"].create(
        {
            "name": f"Goal on {kind}",
            "description": "Tracked in a test.",
            "objective_id": objective.id,
            "metric_id": env.ref(f"crm_strategy.crm_goal_metric_{kind}").id,
            "target": 1.0,
            "owner_type": "company",
            "user_id": False,
            "date_start": date_start,
            "date_deadline": date_deadline,
            **vals,
        }
    )
