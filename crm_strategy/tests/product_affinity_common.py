from datetime import date, datetime

from odoo import Command

from .customer_value_common import CustomerValueCase

AS_OF = date(2025, 6, 30)


class ProductAffinityCase(CustomerValueCase):
    """Ten customers of four categories, worked out by hand (N = 10):

    Coffee: c1-c6 (6); Cups: c1, c2, c3, c7 (4); Machines: c1, c8 (2); Tea: c9, c10 (2).
    Coffee -> Cups: 3 with both, support 30 %, confidence 50 %, lift 3 * 10 / (6 * 4) = 1.25
    Cups -> Coffee: confidence 75 %, lift 1.25
    Cups -> Machines: 1 with both, support 10 %, confidence 25 %, lift 1 * 10 / (4 * 2) = 1.25
    Machines -> Cups: confidence 50 %, lift 1.25
    Coffee <-> Machines: lift 1 * 10 / (6 * 2) = 0.83, under the default 1.2: no rule.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "crm_affinity_min_support": 1.0,
                "crm_affinity_min_confidence": 20.0,
                "crm_affinity_min_lift": 1.2,
            }
        )
        Category = cls.env["product.category"]
        cls.coffee, cls.cups, cls.machines, cls.tea = Category.create(
            [{"name": name} for name in ("X Coffee", "X Cups", "X Machines", "X Tea")]
        )
        cls.products = {
            categ: cls.env["product.product"].create(
                {"name": f"{categ.name} item", "type": "service", "categ_id": categ.id}
            )
            for categ in (cls.coffee, cls.cups, cls.machines, cls.tea)
        }
        Partner = cls.env["res.partner"]
        cls.customers = Partner.create([{"name": f"Customer {i}"} for i in range(1, 11)])
        c = dict(enumerate(cls.customers, start=1))
        # c1 is a company buying through its contact
        c[1].is_company = True
        cls.c1_buyer = Partner.create({"name": "C1 Buyer", "parent_id": c[1].id})
        cls.c = c
        bought = {
            cls.coffee: (cls.c1_buyer, c[2], c[3], c[4], c[5], c[6]),
            cls.cups: (c[1], c[2], c[3], c[7]),
            cls.machines: (c[1], c[8]),
            cls.tea: (c[9], c[10]),
        }
        cls._orders_of([(p, categ) for categ, partners in bought.items() for p in partners])
        # neither a cancelled order nor a quotation counts: c4 "bought" no cups
        cancelled = cls._orders_of([(c[4], cls.cups)])
        cancelled.write({"state": "cancel"})
        cls._orders_of([(c[4], cls.cups)], state=None)

    @classmethod
    def _orders_of(cls, rows, state="sale", company=None):
        """One order per (partner, category) row, one line of 100 untaxed."""
        company = company or cls.company
        orders = (
            cls.env["sale.order"]
            .with_company(company)
            .with_context(tracking_disable=True)
            .create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "date_order": datetime(2025, 6, 1, 12),
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": cls.products[categ].id,
                                    "product_uom_qty": 1,
                                    "price_unit": 100.0,
                                    "tax_id": False,
                                }
                            )
                        ],
                    }
                    for partner, categ in rows
                ]
            )
        )
        if state:
            orders.write({"state": state})
        return orders

    def _refresh_all(self, company=None):
        """The nightly refreshes: customer value (spend shares), then cross-sell rules."""
        company = company or self.company
        self.env["crm.customer.value"]._refresh(company, AS_OF)
        self.env["crm.product.affinity"]._refresh_company(company, AS_OF)

    def _rules(self, company=None):
        rules = self.env["crm.product.affinity"].search(
            [("company_id", "=", (company or self.company).id)]
        )
        return {(r.antecedent_categ_id, r.consequent_categ_id): r for r in rules}
