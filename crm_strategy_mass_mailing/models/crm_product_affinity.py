from odoo import models


class CrmProductAffinity(models.Model):
    """A cross-sell rule's audience: who bought its first category and never its second."""

    _name = "crm.product.affinity"
    _inherit = ["crm.product.affinity", "crm.mailing.audience.mixin"]
