from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, float_is_zero

PRECISION = 2


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    crm_ledger_ids = fields.One2many(
        "crm.loyalty.ledger", "card_id", string="Points History", readonly=True
    )
    crm_points_pending = fields.Float(
        compute="_compute_crm_points_pending",
        string="Pending Points",
        help="Points earned on orders not paid yet: they cannot be spent yet.",
    )
    crm_next_expiry_date = fields.Date(compute="_compute_crm_next_expiry", string="Next Expiry")
    crm_next_expiry_points = fields.Float(
        compute="_compute_crm_next_expiry", string="Points Expiring Next"
    )
    crm_expiry_checked_until = fields.Date(
        readonly=True, copy=False, help="Expiry run: lots due up to this date were processed."
    )

    crm_tier_id = fields.Many2one(
        "crm.loyalty.tier", string="Tier", readonly=True, index="btree_not_null", copy=False
    )
    crm_tier_below_since = fields.Date(
        readonly=True,
        copy=False,
        help="The member no longer qualifies for their tier since this date (grace period).",
    )
    crm_tier_history_ids = fields.One2many(
        "crm.loyalty.tier.history", "card_id", string="Tier History", readonly=True
    )

    def _compute_crm_points_pending(self):
        groups = (
            self.env["crm.loyalty.ledger"]
            .sudo()
            ._read_group(
                [
                    ("card_id", "in", self.ids),
                    ("state", "=", "pending"),
                    ("entry_type", "!=", "adjust"),  # requests awaiting a manager
                ],
                ["card_id"],
                ["points:sum"],
            )
        )
        pending = {card.id: points for card, points in groups}
        for card in self:
            card.crm_points_pending = pending.get(card.id, 0.0)

    def _compute_crm_next_expiry(self):
        for card in self:
            card.crm_next_expiry_date = False
            card.crm_next_expiry_points = 0.0
        upcoming = self._crm_upcoming_expiries()
        for card in self:
            rows = upcoming.get(card.id)
            if rows:
                card.crm_next_expiry_date, card.crm_next_expiry_points = rows[0]

    def _crm_upcoming_expiries(self):
        """{card id: [(expiry date, points), ...]} of unconsumed lots not expired yet, soonest
        first: what the member will lose if they do not spend."""
        cards = self.filtered("id")
        if not cards:
            return {}
        Ledger = self.env["crm.loyalty.ledger"]
        Ledger.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT card_id, expiry_date, SUM(unconsumed) FROM (%(lots)s) lots
                    WHERE expiry_date >= %(today)s AND unconsumed > 0
                 GROUP BY card_id, expiry_date ORDER BY card_id, expiry_date""",
                lots=Ledger._lots_sql(cards.ids),
                today=fields.Date.context_today(self),
            )
        )
        result = {}
        for card_id, date, points in self.env.cr.fetchall():
            result.setdefault(card_id, []).append((date, points))
        return result

    # ------------------------------------------------------------------ CRUD: route points

    @api.model_create_multi
    def create(self, vals_list):
        """Initial points become the card's first ledger entry: an earning (an adjustment when
        negative), within the program's manager threshold unless a manager or trusted code
        creates the card, or sale_loyalty creates it while confirming an order."""
        initial = [vals.pop("points", 0.0) or 0.0 for vals in vals_list]
        cards = super().create(vals_list)
        Ledger = self.env["crm.loyalty.ledger"]
        entries = []
        for card, points in zip(cards, initial, strict=True):
            if float_is_zero(points, precision_digits=PRECISION):
                continue
            if not Ledger._orders_own_points():
                card._crm_check_adjust_allowed(points)
            entries.append(
                {
                    "card": card,
                    "entry_type": "earn" if points > 0 else "adjust",
                    "points": points,
                    "reason": self.env._("Points given when the card was created"),
                }
            )
        if entries:
            Ledger._post_entries(entries)
        return cards

    def write(self, vals):
        """A write of ``points`` by anyone (RPC, import, another module) is an adjustment entry,
        within the manager threshold. Inside an order's confirmation or cancellation, the
        changes sale_loyalty makes are posted by the order code instead (see sale_order.py)."""
        if "points" not in vals:
            return super().write(vals)
        vals = dict(vals)
        new_points = vals.pop("points") or 0.0
        res = super().write(vals) if vals else True
        if self.env["crm.loyalty.ledger"]._orders_own_points():
            return res
        for card in self:
            card._crm_adjust(
                new_points - card.points,
                self.env._("Points changed directly by %s", self.env.user.name),
            )
        return res

    def _crm_store_points(self, points):
        """Set the points the posting service computed (the ledger's ``_set_card_points``):
        ``super`` skips our ``write`` override, which would turn it into another entry."""
        # Odoo's write, past our routing override: on purpose
        return super(LoyaltyCard, self.sudo()).write({"points": points})  # pylint: disable=super-method-mismatch

    def unlink(self):
        """Cards with a points history are archived, never deleted: their entries must stay."""
        with_history = (
            self.env["crm.loyalty.ledger"]
            .sudo()
            ._read_group([("card_id", "in", self.ids)], ["card_id"])
        )
        keep = self.browse([card.id for (card,) in with_history])
        if keep:
            keep.write({"active": False})
        return super(LoyaltyCard, self - keep).unlink()

    # ------------------------------------------------------------------ adjustments

    def _crm_adjust(self, points, reason, source=None):
        """Post an adjustment of ``points`` (signed) with ``reason``; above the program's
        threshold only a strategy manager (or trusted code, ``env.su``) may do it."""
        self.ensure_one()
        Ledger = self.env["crm.loyalty.ledger"]
        points = Ledger._round(points)
        if float_is_zero(points, precision_digits=PRECISION):
            return Ledger.browse()
        # the service applies the threshold for this environment's user
        return Ledger._post_entries(
            [
                {
                    "card": self,
                    "entry_type": "adjust",
                    "points": points,
                    "reason": reason,
                    "source": source,
                }
            ]
        )

    def _crm_adjust_needs_manager(self, points):
        """Adjustments larger than the program's threshold need a strategy manager."""
        self.ensure_one()
        if self.env.su:
            return False
        threshold = self.program_id.crm_adjust_manager_threshold
        is_manager = self.env.user.has_group("crm_strategy.group_crm_strategy_manager")
        return bool(
            threshold
            and not is_manager
            and float_compare(abs(points), threshold, precision_digits=PRECISION) > 0
        )

    def _crm_check_adjust_allowed(self, points):
        if self._crm_adjust_needs_manager(points):
            raise UserError(
                self.env._(
                    "Adjustments of more than %(threshold)s points on %(program)s need a manager: "
                    "request one with Adjust Points.",
                    threshold=self.program_id.crm_adjust_manager_threshold,
                    program=self.program_id.name,
                )
            )

    # ------------------------------------------------------------------ actions / API

    def action_crm_loyalty_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_strategy.crm_loyalty_ledger_action"
        )
        action["domain"] = [("card_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 0}
        return action

    def _crm_redeem(self, points, reason, source=None):
        """Spend ``points`` (> 0) from the card; refused when fewer are available."""
        self.ensure_one()
        if points <= 0:
            raise UserError(self.env._("Points to redeem must be positive."))
        Ledger = self.env["crm.loyalty.ledger"]
        # expired points are not available: post due expiries of this card first
        Ledger._expire_points(card_ids=self.ids)
        return Ledger._post_entries(
            [
                {
                    "card": self,
                    "entry_type": "redeem",
                    "points": -points,
                    "reason": reason,
                    "source": source,
                }
            ]
        )

    def _crm_earn(self, points, reason, source=None, entry_type="earn"):
        self.ensure_one()
        return self.env["crm.loyalty.ledger"]._post_entries(
            [
                {
                    "card": self,
                    "entry_type": entry_type,
                    "points": points,
                    "reason": reason,
                    "source": source,
                }
            ]
        )

    def _crm_transfer(self, target, points, reason):
        """Move points to another card of the same program."""
        self.ensure_one()
        if target == self or target.program_id != self.program_id:
            raise UserError(self.env._("Points move only between two cards of the same program."))
        if points <= 0:
            raise UserError(self.env._("Points to transfer must be positive."))
        return self.env["crm.loyalty.ledger"]._post_entries(
            [
                {"card": self, "entry_type": "transfer_out", "points": -points, "reason": reason},
                {"card": target, "entry_type": "transfer_in", "points": points, "reason": reason},
            ]
        )

    # ------------------------------------------------------------------ tiers

    def _crm_tier_bonus(self, earned):
        """Extra points a member's tier adds to ``earned`` points."""
        self.ensure_one()
        multiplier = self.crm_tier_id.multiplier or 1.0
        return self.env["crm.loyalty.ledger"]._round(earned * (multiplier - 1.0))

    @api.model
    def _crm_qualifying_points(self, cards, today):
        """{card id: points earned (net of their reversals) over the program's period}."""
        if not cards:
            return {}
        self.env["crm.loyalty.ledger"].flush_model()
        self.env["loyalty.card"].flush_model()
        self.env["loyalty.program"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT e.card_id, SUM(e.points + COALESCE(r.points, 0))
                  FROM crm_loyalty_ledger e
                  JOIN loyalty_program p ON p.id = e.program_id
             LEFT JOIN (SELECT origin_entry_id, SUM(points) AS points FROM crm_loyalty_ledger
                         WHERE entry_type = 'reversal' AND state = 'posted'
                           AND card_id = ANY(%(cards)s)
                      GROUP BY origin_entry_id) r ON r.origin_entry_id = e.id
                 WHERE e.card_id = ANY(%(cards)s) AND e.state = 'posted'
                   AND e.entry_type = 'earn'
                   AND e.date >= %(today)s::date
                                 - make_interval(days => COALESCE(p.crm_tier_period_days, 365))
              GROUP BY e.card_id
                """,
                cards=cards.ids,
                today=today,
            )
        )
        return dict(self.env.cr.fetchall())

    def _crm_evaluate_tiers(self, today=None):
        """Upgrade at once; downgrade once the member has been below their tier for the
        program's grace period. Every change is written in the tier history."""
        today = today or fields.Date.context_today(self)
        cards = self.sudo().filtered(lambda c: c.program_id.crm_tier_ids)
        qualifying = self._crm_qualifying_points(cards, today)
        history = []
        for card in cards:
            points = qualifying.get(card.id, 0.0)
            tiers = card.program_id.crm_tier_ids.sorted("min_points")
            earned = tiers.filtered(
                lambda t, points=points: (
                    float_compare(t.min_points, points, precision_digits=PRECISION) <= 0
                )
            )[-1:]
            current = card.crm_tier_id
            level = earned.min_points if earned else -1.0
            current_level = current.min_points if current else -1.0
            if level > current_level:
                history.append(card._crm_tier_change(earned, points, "upgrade", today))
            elif level == current_level:
                if card.crm_tier_below_since:
                    card.crm_tier_below_since = False
            else:
                if not card.crm_tier_below_since:
                    card.crm_tier_below_since = today
                grace = timedelta(days=card.program_id.crm_tier_grace_days)
                if card.crm_tier_below_since + grace <= today:
                    history.append(card._crm_tier_change(earned, points, "downgrade", today))
        return self.env["crm.loyalty.tier.history"].sudo().create(history)

    def _crm_tier_change(self, tier, points, change, today):
        previous = self.crm_tier_id
        self.write({"crm_tier_id": tier.id, "crm_tier_below_since": False})
        return {
            "card_id": self.id,
            "tier_id": tier.id,
            "previous_tier_id": previous.id,
            "date": today,
            "qualifying_points": points,
            "change": change,
        }

    @api.model
    def _cron_evaluate_tiers(self):
        cards = self.search([("program_id.crm_tier_ids", "!=", False)])
        cards._crm_evaluate_tiers()
        self.env["ir.cron"]._notify_progress(done=len(cards), remaining=0)

    # ------------------------------------------------------------------ statement

    def _crm_statement(self, date_from, date_to, limit=None, offset=0):
        """Opening balance, posted entries and closing balance of the card for a period (dates
        inclusive, by posting date). Two indexed queries, whatever the card's history."""
        self.ensure_one()
        start = fields.Datetime.to_datetime(fields.Date.to_date(date_from))
        end = fields.Datetime.to_datetime(fields.Date.to_date(date_to)) + timedelta(days=1)
        self.env["crm.loyalty.ledger"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(SUM(points) FILTER (WHERE date_posted < %(start)s), 0),
                          COALESCE(SUM(points) FILTER (WHERE date_posted >= %(start)s
                                                         AND date_posted < %(end)s), 0),
                          COUNT(*) FILTER (WHERE date_posted >= %(start)s AND date_posted < %(end)s)
                     FROM crm_loyalty_ledger
                    WHERE card_id = %(card)s AND state = 'posted' AND date_posted < %(end)s""",
                start=start,
                end=end,
                card=self.id,
            )
        )
        opening, movement, count = self.env.cr.fetchone()
        entries = (
            self.env["crm.loyalty.ledger"]
            .sudo()
            .search(
                [
                    ("card_id", "=", self.id),
                    ("state", "=", "posted"),
                    ("date_posted", ">=", start),
                    ("date_posted", "<", end),
                ],
                order="date_posted, id",
                limit=limit,
                offset=offset,
            )
        )
        return {
            "card": self,
            "date_from": fields.Date.to_date(date_from),
            "date_to": fields.Date.to_date(date_to),
            "opening": opening,
            "closing": opening + movement,
            "entries": entries,
            "count": count,
        }
