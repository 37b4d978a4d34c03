from odoo import fields
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.http import Controller, request, route

ENTRIES_PER_PAGE = 50


class LoyaltyLedgerPortal(Controller):
    @route(
        [
            "/my/loyalty_card/<int:card_id>/ledger",
            "/my/loyalty_card/<int:card_id>/ledger/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
        # only reads: served by a read-only database replica when one is configured
        readonly=True,
    )
    def portal_my_loyalty_ledger(self, card_id, page=1, **kw):
        """A member's points history: balance, pending points, upcoming expiries, entries."""
        card = (
            request.env["loyalty.card"]
            .sudo()
            .search(
                [("id", "=", card_id), ("partner_id", "=", request.env.user.partner_id.id)],
                limit=1,
            )
        )
        if not card:
            return request.redirect("/my")
        Ledger = request.env["crm.loyalty.ledger"].sudo()
        domain = [("card_id", "=", card.id), ("state", "in", ("pending", "posted"))]
        pager = portal_pager(
            url=f"/my/loyalty_card/{card.id}/ledger",
            total=Ledger.search_count(domain),
            page=page,
            step=ENTRIES_PER_PAGE,
        )
        entries = Ledger.search(domain, limit=ENTRIES_PER_PAGE, offset=pager["offset"])
        values = {
            "card": card,
            "entries": entries,
            "pager": pager,
            "upcoming": card._crm_upcoming_expiries().get(card.id, []),
            "today": fields.Date.context_today(card),
            "page_name": "loyalty_ledger",
        }
        return request.render("crm_strategy.portal_my_loyalty_ledger", values)
