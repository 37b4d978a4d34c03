from datetime import timedelta

from odoo import fields, models
from odoo.tools import float_compare, float_is_zero

PRECISION = 2


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        """sale_loyalty adds the orders' points to their cards during confirmation; inside the
        order window those writes are not applied and the ledger posts the earn / redeem entries
        of each confirmed order instead, from the same figures (points of the order's coupons,
        cost of its reward lines)."""
        to_confirm = self.filtered(lambda order: order.state != "sale")
        with self.env["crm.loyalty.ledger"]._order_window():
            res = super().action_confirm()
        to_confirm.filtered(lambda order: order.state == "sale")._crm_loyalty_post_confirmation()
        return res

    def _action_cancel(self):
        """sale_loyalty removes the order's points from its cards and deletes its loyalty.history
        rows; the ledger reverses what is left of the order's entries instead, deleting nothing."""
        confirmed = self.filtered(lambda order: order.state == "sale")
        with self.env["crm.loyalty.ledger"]._order_window():
            res = super()._action_cancel()
        confirmed.filtered(lambda order: order.state != "sale")._crm_loyalty_reverse_orders()
        return res

    def _add_points_for_coupon(self, coupon_points):
        """On a confirmed order, sale_loyalty adds a newly applied program's points to the card at
        once: an earning of the order."""
        changes = dict(coupon_points) if self.state == "sale" else {}
        with self.env["crm.loyalty.ledger"]._order_window():
            res = super()._add_points_for_coupon(coupon_points)
        for card, points in changes.items():
            self._crm_loyalty_post_delta(
                card, "earn", points, self.env._("Points added on order %s", self.name)
            )
        return res

    def _crm_loyalty_post_confirmation(self):
        """Post each confirmed order's entries on each of its cards (a re-confirmed order earns
        again: its earlier entries were reversed when it was cancelled)."""
        vals_list = []
        for order in self.sudo():
            cards = (
                order.coupon_point_ids.coupon_id | order.order_line.filtered("reward_id").coupon_id
            )
            for card in cards:
                vals_list += order._crm_loyalty_order_entries(card)
        return self.env["crm.loyalty.ledger"]._post_entries(vals_list)

    def _crm_loyalty_order_entries(self, card):
        """Entries to post on ``card`` for confirming this order: what it earns (with the tier
        bonus) and what its reward lines cost, the figures sale_loyalty's ``_get_point_changes``
        adds up."""
        self.ensure_one()
        order = self.sudo()
        program = card.program_id
        earned = sum(
            order.coupon_point_ids.filtered(lambda p: p.coupon_id == card).mapped("points")
        )
        cost = sum(
            order.order_line.filtered(
                lambda line: line.reward_id and line.coupon_id == card
            ).mapped("points_cost")
        )
        reason = self.env._("Order %s", order.name)
        # not required in the database: empty means available at once
        pending = program.crm_pending_policy in ("paid", "days") and program.applies_on != "current"
        release_date = False
        if pending and program.crm_pending_policy == "days":
            release_date = fields.Date.context_today(self) + timedelta(
                days=program.crm_pending_days
            )
        state = "pending" if pending else "posted"
        entries = []
        if float_compare(earned, 0, precision_digits=PRECISION) > 0:
            entries.append(
                {
                    "card": card,
                    "entry_type": "earn",
                    "points": earned,
                    "reason": reason,
                    "source": order,
                    "state": state,
                    "release_date": release_date,
                }
            )
            bonus = card._crm_tier_bonus(earned)
            if not float_is_zero(bonus, precision_digits=PRECISION):
                entries.append(
                    {
                        "card": card,
                        "entry_type": "tier_bonus",
                        "points": bonus,
                        "reason": self.env._(
                            "%(tier)s bonus on order %(order)s",
                            tier=card.crm_tier_id.name,
                            order=order.name,
                        ),
                        "source": order,
                        "state": state,
                        "release_date": release_date,
                    }
                )
        elif float_compare(earned, 0, precision_digits=PRECISION) < 0:
            entries.append(
                {
                    "card": card,
                    "entry_type": "adjust",
                    "points": earned,
                    "reason": reason,
                    "source": order,
                }
            )
        if float_compare(cost, 0, precision_digits=PRECISION) > 0:
            entries.append(
                {
                    "card": card,
                    "entry_type": "redeem",
                    "points": -cost,
                    "reason": reason,
                    "source": order,
                }
            )
        return entries

    def _crm_loyalty_reverse_orders(self):
        """Reverse what is left of the cancelled orders' entries (pending ones are cancelled)."""
        entries = self._crm_loyalty_entries().filtered(lambda e: e.state in ("pending", "posted"))
        for order in self:
            mine = entries.filtered(lambda e, order=order: e.source_id == order.id)
            mine._reverse(self.env._("Order %s cancelled", order.name))

    def _crm_loyalty_post_delta(self, card, kind, points, reason, reverse=True):
        """Post a change of ``points`` (signed) of what this confirmed order earns on ``card``
        (``kind`` 'earn') or spends on it (``kind`` 'redeem', positive: more spent). An increase
        is a new entry; a decrease reverses what is left of the order's latest entries of that
        kind (unless ``reverse`` is False). What no entry of the order explains is an adjustment
        within the manager threshold of the user making the change: a hand-made reward line with
        a negative cost gives no points for free."""
        self.ensure_one()
        Ledger = self.env["crm.loyalty.ledger"]
        points = Ledger._round(points)
        if float_is_zero(points, precision_digits=PRECISION):
            return Ledger.browse()
        order = self.sudo()
        if points > 0:
            return Ledger._post_entries(
                [
                    {
                        "card": card,
                        "entry_type": kind,
                        "points": points if kind == "earn" else -points,
                        "reason": reason,
                        "source": order,
                    }
                ]
            )
        # take back: reverse (part of) the order's latest entries of that kind, newest first
        left = -points
        vals_list = []
        candidates = (
            order._crm_loyalty_entries()
            .filtered(lambda e: e.card_id == card and e.entry_type == kind and e.state == "posted")
            .sorted("id", reverse=True)
        )
        for entry in candidates if reverse else ():
            remaining = abs(
                Ledger._round(
                    entry.points
                    + sum(
                        entry.reversal_ids.filtered(lambda r: r.state == "posted").mapped("points")
                    )
                )
            )
            take = min(remaining, left)
            if float_is_zero(take, precision_digits=PRECISION):
                continue
            vals_list.append(
                {
                    "card": card,
                    "entry_type": "reversal",
                    "points": -take if kind == "earn" else take,
                    "reason": reason,
                    "source": order,
                    "origin_entry_id": entry.id,
                }
            )
            left = Ledger._round(left - take)
            if float_is_zero(left, precision_digits=PRECISION):
                break
        if not float_is_zero(left, precision_digits=PRECISION):
            signed = -left if kind == "earn" else left
            vals_list.append(
                {
                    "card": card,
                    "entry_type": "adjust",
                    "points": signed,
                    "reason": reason,
                    "source": order,
                }
            )
        return Ledger._post_entries(vals_list)

    def _crm_loyalty_entries(self):
        return (
            self.env["crm.loyalty.ledger"]
            .sudo()
            .search(
                [
                    ("source_model", "=", "sale.order"),
                    ("source_id", "in", self.ids),
                    ("entry_type", "!=", "reversal"),
                ]
            )
        )

    def _crm_loyalty_cancel_card(self, card):
        entries = self._crm_loyalty_entries().filtered(
            lambda e: e.card_id == card and e.state in ("pending", "posted")
        )
        reason = self.env._("Order %s cancelled", ", ".join(self.mapped("name")))
        return entries._reverse(reason)

    def _crm_loyalty_release_paid(self):
        """Post the pending points of fully paid orders."""
        paid = self.filtered(
            lambda order: (
                order.state == "sale"
                and order.invoice_status == "invoiced"
                and order.invoice_ids.filtered(lambda m: m.state == "posted")
                and all(
                    move.payment_state in ("paid", "in_payment", "reversed")
                    for move in order.invoice_ids.filtered(
                        lambda m: m.state == "posted" and m.move_type == "out_invoice"
                    )
                )
            )
        )
        pending = paid._crm_loyalty_entries().filtered(
            lambda e: e.state == "pending" and e.program_id.crm_pending_policy == "paid"
        )
        return pending._post_pending()

    def _crm_loyalty_refund(self, ratio, refund):
        """Reverse ``ratio`` (0-1] of the points these orders earned (credit note ``refund``)."""
        Ledger = self.env["crm.loyalty.ledger"]
        earned = self._crm_loyalty_entries().filtered(
            lambda e: e.entry_type in ("earn", "tier_bonus") and e.state in ("pending", "posted")
        )
        reason = self.env._("Refund %s", refund.name or "")
        full = ratio >= 0.999
        if full:
            return earned._reverse(reason, source=refund)
        vals_list = []
        balance = {card.id: card.points for card in earned.card_id}
        for entry in earned:
            already = -sum(entry.reversal_ids.mapped("points"))
            points = min(entry.points * ratio, entry.points - already)
            if points <= 0:
                continue
            if entry.state == "pending":
                # a pending entry is replaced by a smaller pending one
                entry._reverse(reason)
                vals_list.append(
                    {
                        "card": entry.card_id,
                        "entry_type": entry.entry_type,
                        "points": entry.points - points,
                        "reason": entry.reason,
                        "source": self.browse(entry.source_id),
                        "state": "pending",
                        "release_date": entry.release_date,
                        "date": entry.date,
                    }
                )
                continue
            if entry.program_id.crm_refund_policy == "cap":
                # an earn and its tier bonus are capped against the same, shrinking balance
                points = min(points, max(balance[entry.card_id.id], 0.0))
            if points > 0:
                balance[entry.card_id.id] -= points
                vals_list.append(
                    {
                        "card": entry.card_id,
                        "entry_type": "reversal",
                        "points": -points,
                        "reason": reason,
                        "source": refund,
                        "origin_entry_id": entry.id,
                    }
                )
        return Ledger._post_entries(vals_list)

    def _crm_loyalty_referral_bonus(self):
        """The first paid order of a referred customer gives the referral bonus of every program
        that has one, once, to the customer and to the referrer."""
        Ledger = self.env["crm.loyalty.ledger"].sudo()
        Card = self.env["loyalty.card"].sudo()
        for order in self.sudo():
            referee = order.partner_id.commercial_partner_id
            referrer = referee.crm_referred_by_id or order.partner_id.crm_referred_by_id
            if not referrer:
                continue
            programs = (
                self.env["loyalty.program"]
                .sudo()
                .search(
                    [
                        ("program_type", "=", "loyalty"),
                        ("company_id", "in", [order.company_id.id, False]),
                        "|",
                        ("crm_referrer_points", ">", 0),
                        ("crm_referee_points", ">", 0),
                    ]
                )
            )
            for program in programs:
                given = Ledger.search_count(
                    [
                        ("entry_type", "=", "referral"),
                        ("program_id", "=", program.id),
                        ("source_model", "=", "res.partner"),
                        ("source_id", "=", referee.id),
                    ]
                )
                if given:
                    continue
                vals_list = []
                for partner, points in (
                    (referrer, program.crm_referrer_points),
                    (referee, program.crm_referee_points),
                ):
                    if points <= 0:
                        continue
                    card = Card.search(
                        [("program_id", "=", program.id), ("partner_id", "=", partner.id)],
                        limit=1,
                    ) or Card.create({"program_id": program.id, "partner_id": partner.id})
                    vals_list.append(
                        {
                            "card": card,
                            "entry_type": "referral",
                            "points": points,
                            "reason": self.env._(
                                "Referral: %(referee)s referred by %(referrer)s, order %(order)s",
                                referee=referee.name,
                                referrer=referrer.name,
                                order=order.name,
                            ),
                            "source": referee,
                        }
                    )
                Ledger._post_entries(vals_list)
