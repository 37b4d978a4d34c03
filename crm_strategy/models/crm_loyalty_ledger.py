"""Loyalty points ledger: the only way a loyalty card's points change.

Why a new model rather than ``loyalty.history``: Odoo's history rows are informational, editable
by salespeople, deleted with their card (``ondelete='cascade'``) and deleted by ``sale_loyalty``
when an order is cancelled; they hold ``issued``/``used`` pairs without a running balance.
Changing those semantics would break ``sale_loyalty`` and the portal. The ledger lives next to
it: append-only, signed points, balance after each entry, expiry lots, pending/posted state.
``loyalty.history`` is left untouched and keeps feeding Odoo's own screens.

Invariants (kept in the same transaction as the change, with the card row locked):

* ``loyalty.card.points`` == sum of the card's posted entries' points;
* one owner: every change of a card's points goes through the posting service of this model
  (``_post_entries``, ``_post_pending``, ``_reverse``, ``_expire_points``), called with explicit
  arguments. No context key switches a control off or picks an entry type: what only trusted code
  may do is checked against ``env.su`` or the user's groups;
* the public ``create`` and ``write`` refuse everyone; the service stores rows through private
  methods (``_store_entries``, ``_store_transition``);
* a posted entry is never written nor deleted, by anyone: the ORM refuses it and so does the
  database (trigger ``crm_loyalty_ledger_guard``); corrections are reversal entries
  (``origin_entry_id`` points at the reversed entry);
* tamper evidence: each posted entry carries ``chain_seq`` and ``chain_hash``, the SHA-256 of its
  canonical payload chained to the previous posted entry of its card, computed in the database
  (trigger ``crm_loyalty_ledger_chain``); ``action_verify_ledger`` recomputes every chain;
* expiry entries point at the earn lot they expire (``origin_entry_id``); redemptions consume the
  oldest lots first (FIFO by posting order), which the expiry SQL reproduces.
"""

import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero, float_round

from .cursor_flag import cursor_flag, cursor_flag_raised

CREDIT_TYPES = ("earn", "transfer_in", "referral", "tier_bonus")
DEBIT_TYPES = ("redeem", "expire", "transfer_out")
# entry types whose negative amount may not exceed the available balance
GUARDED_TYPES = ("redeem", "transfer_out", "adjust")
POINTS_DIGITS = 2
EXPIRY_BATCH = 5000
# key of the transaction's cursor cache: how many order operations own card points right now
ORDER_WINDOW_KEY = "crm_loyalty_order_window"

_logger = logging.getLogger(__name__)


class CrmLoyaltyLedger(models.Model):
    _name = "crm.loyalty.ledger"
    _description = "Loyalty Points Ledger Entry"
    _order = "date desc, id desc"
    _rec_name = "reference"

    reference = fields.Char(compute="_compute_reference")
    card_id = fields.Many2one(
        "loyalty.card", required=True, index=True, ondelete="restrict", readonly=True
    )
    program_id = fields.Many2one(
        "loyalty.program", required=True, index=True, ondelete="restrict", readonly=True
    )
    partner_id = fields.Many2one("res.partner", index=True, readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    entry_type = fields.Selection(
        [
            ("earn", "Earn"),
            ("redeem", "Redeem"),
            ("expire", "Expiry"),
            ("adjust", "Adjustment"),
            ("reversal", "Reversal"),
            ("transfer_in", "Transfer In"),
            ("transfer_out", "Transfer Out"),
            ("referral", "Referral Bonus"),
            ("tier_bonus", "Tier Bonus"),
        ],
        string="Type",
        required=True,
        readonly=True,
    )
    points = fields.Float(digits=(16, POINTS_DIGITS), required=True, readonly=True)
    balance_after = fields.Float(
        digits=(16, POINTS_DIGITS),
        readonly=True,
        aggregator=False,
        help="Posted balance of the card right after this entry was posted.",
    )
    state = fields.Selection(
        [("pending", "Pending"), ("posted", "Posted"), ("cancelled", "Cancelled")],
        required=True,
        default="posted",
        index=True,
        readonly=True,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    date_posted = fields.Datetime(readonly=True)
    expiry_date = fields.Date(
        readonly=True, help="Date the points of this entry expire (earned points only)."
    )
    reason = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    source_model = fields.Char(readonly=True)
    source_id = fields.Many2oneReference(
        string="Source ID", model_field="source_model", readonly=True
    )
    source_display = fields.Char(compute="_compute_source_display", string="Source")
    origin_entry_id = fields.Many2one(
        "crm.loyalty.ledger",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        help="The entry this one reverses or expires.",
    )
    reversal_ids = fields.One2many("crm.loyalty.ledger", "origin_entry_id", readonly=True)
    release_date = fields.Date(
        readonly=True, help="Pending points become available on this date (after delivery)."
    )
    chain_seq = fields.Integer(
        string="Chain Sequence",
        readonly=True,
        copy=False,
        help="Position of the posted entry in its card's hash chain (set by the database).",
    )
    chain_hash = fields.Char(
        readonly=True,
        copy=False,
        help="SHA-256 of the entry chained to the previous posted entry of its card (set by the "
        "database when the entry is posted).",
    )

    _sql_constraints = [
        (
            "points_not_zero",
            "CHECK(points <> 0)",
            "A ledger entry moves a non-zero number of points.",
        ),
    ]

    def init(self):
        # the expiry run looks for lots by due date
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS crm_loyalty_ledger_lot_expiry_idx
                   ON crm_loyalty_ledger (expiry_date, card_id)
                WHERE expiry_date IS NOT NULL AND origin_entry_id IS NULL AND state = 'posted'"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS crm_loyalty_ledger_card_date_idx
                   ON crm_loyalty_ledger (card_id, date, id)"""
        )
        # statements: a card's posted entries by posting date
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS crm_loyalty_ledger_card_posted_idx
                   ON crm_loyalty_ledger (card_id, date_posted, id) WHERE state = 'posted'"""
        )
        self._init_tamper_evidence()

    def _init_tamper_evidence(self):
        """Hash chain and immutability of posted entries, enforced by PostgreSQL itself.

        ``crm_loyalty_ledger_hash`` is the one definition of an entry's canonical payload, used by
        the chain trigger and by ``action_verify_ledger``. Posted rows inserted before this code
        existed get their chain here (per card, in posting order)."""
        cr = self.env.cr
        cr.execute(
            """
            CREATE OR REPLACE FUNCTION crm_loyalty_ledger_hash(prev_hash text, e crm_loyalty_ledger)
            RETURNS text LANGUAGE sql STABLE AS $$
                SELECT encode(sha256(convert_to(COALESCE(prev_hash, '') || jsonb_build_array(
                    e.id, e.card_id, e.program_id, e.company_id, e.entry_type,
                    round(e.points::numeric, 2)::text, e.state,
                    to_char(e.date, 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                    to_char(e.date_posted, 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                    to_char(e.expiry_date, 'YYYY-MM-DD'),
                    e.source_model, e.source_id, e.origin_entry_id, e.reason, e.chain_seq
                )::text, 'UTF8')), 'hex')
            $$
            """
        )
        cr.execute(
            """
            CREATE OR REPLACE FUNCTION crm_loyalty_ledger_chain() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE
                prev_seq integer;
                prev_hash text;
            BEGIN
                IF NEW.state = 'posted' AND NEW.chain_hash IS NULL THEN
                    -- the last link of the card's chain: one step backward on the unique
                    -- index (card_id, chain_seq), skipping rows not chained yet in the index
                    SELECT chain_seq, chain_hash INTO prev_seq, prev_hash FROM crm_loyalty_ledger
                     WHERE card_id = NEW.card_id AND state = 'posted' AND chain_seq IS NOT NULL
                  ORDER BY chain_seq DESC LIMIT 1;
                    NEW.chain_seq := COALESCE(prev_seq, 0) + 1;
                    NEW.chain_hash := crm_loyalty_ledger_hash(prev_hash, NEW);
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        # A posted (or cancelled) row only changes in the columns outside its hash that Odoo
        # rewrites itself: contact merges (partner_id) and user deletion (the user columns).
        cr.execute(
            """
            CREATE OR REPLACE FUNCTION crm_loyalty_ledger_guard() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE
                free constant text[] := ARRAY['partner_id', 'user_id', 'create_uid', 'write_uid',
                                              'write_date', 'chain_seq', 'chain_hash'];
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    IF OLD.state <> 'pending' THEN
                        RAISE EXCEPTION 'crm_loyalty_ledger: entry % is % and cannot be deleted',
                            OLD.id, OLD.state USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN OLD;
                END IF;
                IF OLD.state <> 'pending' AND (
                    (to_jsonb(NEW) - free) IS DISTINCT FROM (to_jsonb(OLD) - free)
                    -- a missing chain is set once (entries posted before the chain existed)
                    OR (OLD.chain_hash IS NOT NULL
                        AND (NEW.chain_hash IS DISTINCT FROM OLD.chain_hash
                             OR NEW.chain_seq IS DISTINCT FROM OLD.chain_seq))
                ) THEN
                    RAISE EXCEPTION 'crm_loyalty_ledger: entry % is % and cannot be changed',
                        OLD.id, OLD.state USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        # BEFORE triggers fire in name order: the guard sees the row as the statement sent it
        cr.execute(
            """
            DROP TRIGGER IF EXISTS crm_loyalty_ledger_a_guard ON crm_loyalty_ledger;
            CREATE TRIGGER crm_loyalty_ledger_a_guard BEFORE UPDATE OR DELETE ON crm_loyalty_ledger
                FOR EACH ROW EXECUTE FUNCTION crm_loyalty_ledger_guard();
            DROP TRIGGER IF EXISTS crm_loyalty_ledger_b_chain ON crm_loyalty_ledger;
            CREATE TRIGGER crm_loyalty_ledger_b_chain BEFORE INSERT OR UPDATE ON crm_loyalty_ledger
                FOR EACH ROW EXECUTE FUNCTION crm_loyalty_ledger_chain();
            CREATE UNIQUE INDEX IF NOT EXISTS crm_loyalty_ledger_chain_uniq
                ON crm_loyalty_ledger (card_id, chain_seq) WHERE state = 'posted';
            """
        )
        # entries posted before the chain existed: chain them per card in posting order (the
        # guard lets a NULL chain be set once; the chain trigger computes it)
        cr.execute(
            """
            DO $$
            DECLARE
                r record;
            BEGIN
                FOR r IN SELECT id FROM crm_loyalty_ledger
                          WHERE state = 'posted' AND chain_hash IS NULL
                       ORDER BY card_id, date_posted, id
                LOOP
                    UPDATE crm_loyalty_ledger SET chain_hash = NULL WHERE id = r.id;
                END LOOP;
            END
            $$
            """
        )

    @api.depends("entry_type", "card_id")
    def _compute_reference(self):
        labels = dict(self._fields["entry_type"]._description_selection(self.env))
        for entry in self:
            entry.reference = f"{labels.get(entry.entry_type, '')} #{entry.id or ''}"

    @api.depends("source_model", "source_id")
    def _compute_source_display(self):
        for entry in self:
            record = entry._source_record()
            entry.source_display = record.sudo().display_name if record else False

    # ------------------------------------------------------------------ CRUD guards

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        """Nobody creates entries through the ORM's API (RPC, import, other modules): the posting
        service stores them with ``_store_entries``."""
        self.browse().check_access("create")
        raise UserError(
            self.env._(
                "Ledger entries are created by the loyalty flows only (orders, the adjustment "
                "wizard, expiry). Request an adjustment instead."
            )
        )

    def write(self, vals):  # pylint: disable=method-required-super
        """Nobody writes entries through the ORM's API: pending entries change state through the
        posting service (``_store_transition``), posted ones never change."""
        raise UserError(
            self.env._(
                "Ledger entries cannot be changed. Post a reversal or an adjustment instead."
            )
        )

    def _store_entries(self, vals_list):
        """Insert validated rows (posting service only). ``super`` from this class skips the
        public ``create`` above: no flag a caller could send is involved."""
        # the ORM's create, past our refusing override: on purpose
        entries = super(CrmLoyaltyLedger, self.sudo()).create(vals_list)  # pylint: disable=super-method-mismatch
        # the chain columns were set by the database trigger
        entries.invalidate_recordset(["chain_seq", "chain_hash"])
        return entries

    def _store_transition(self, vals):
        """Move pending entries to posted or cancelled (posting service only)."""
        if set(vals) - {"state", "balance_after", "date_posted"}:
            raise UserError(self.env._("Only the state of a pending entry changes."))
        if any(entry.state != "pending" for entry in self):
            raise UserError(self.env._("Posted ledger entries cannot be changed."))
        # the ORM's write, past our refusing override: on purpose
        res = super(CrmLoyaltyLedger, self.sudo()).write(vals)  # pylint: disable=super-method-mismatch
        self.flush_recordset()
        self.invalidate_recordset(["chain_seq", "chain_hash"])
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("Ledger entries cannot be deleted. Post a reversal entry instead.")
        )

    # ------------------------------------------------------------------ helpers

    def _source_record(self):
        self.ensure_one()
        if self.source_model and self.source_id and self.source_model in self.env:
            return self.env[self.source_model].browse(self.source_id).exists()
        return None

    @api.model
    def _round(self, points):
        return float_round(points, precision_digits=POINTS_DIGITS)

    @api.model
    def _lock_cards(self, cards):
        """Lock the cards' rows until the end of the transaction: two postings on the same card
        are serialized (the second waits, then fails with a serialization error under Odoo's
        REPEATABLE READ isolation and is retried by the server with fresh balances)."""
        if not cards:
            return
        cards.flush_recordset(["points"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM loyalty_card WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                tuple(cards.ids),
            )
        )
        cards.invalidate_recordset(["points"])

    @api.model
    def _expiry_date_for(self, program, date):
        days = program.crm_points_validity_days
        if days <= 0:
            return False
        return fields.Datetime.to_datetime(date).date() + timedelta(days=days)

    @api.model
    def _check_source(self, card, source):
        if not source:
            return
        company = "company_id" in source._fields and source.company_id
        if company and card.company_id and company != card.company_id:
            raise ValidationError(
                self.env._(
                    "%(document)s belongs to %(company)s but card %(card)s to %(card_company)s.",
                    document=source.display_name,
                    company=company.name,
                    card=card.code,
                    card_company=card.company_id.name,
                )
            )
        currency = "currency_id" in source._fields and source.currency_id
        monetary = card.program_id.program_type in ("ewallet", "gift_card")
        if monetary and currency and currency != card.program_id.currency_id:
            raise ValidationError(
                self.env._(
                    "%(document)s is in %(currency)s but the points of card %(card)s are "
                    "%(card_currency)s.",
                    document=source.display_name,
                    currency=currency.name,
                    card=card.code,
                    card_currency=card.program_id.currency_id.name,
                )
            )

    # ------------------------------------------------------------------ order window

    @contextmanager
    def _order_window(self):
        """While sale_loyalty confirms or cancels orders, or changes the reward lines and points of
        a confirmed order, it writes the cards' points itself (``coupon.points += change``). Inside
        this window those writes are not applied: the order code posts the entries of the change
        and the service sets the points. The window lives in the cursor's cache, held by this
        server process for the duration of the call: nothing a client sends can open it."""
        with cursor_flag(self.env, ORDER_WINDOW_KEY):
            yield

    @api.model
    def _orders_own_points(self):
        return cursor_flag_raised(self.env, ORDER_WINDOW_KEY)

    # ------------------------------------------------------------------ posting

    @api.model
    def _post_entries(self, vals_list):
        """Validate and store entries and update the cards' points in the same transaction.

        Each vals: card (loyalty.card record), entry_type, points (signed), optionally reason,
        source (record), expiry_date, state ('pending'/'posted'), origin_entry_id, date,
        release_date. A posted adjustment above the program's threshold is refused unless the
        environment is a strategy manager's or the superuser's (``self.env``, never the
        context). Returns the created entries. Raises before storing anything when one entry is
        invalid.
        """
        cards = self.env["loyalty.card"].sudo().browse()
        for vals in vals_list:
            cards |= vals["card"]
        self._lock_cards(cards)
        balance = {card.id: card.points for card in cards}
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        create_vals = []
        for vals in vals_list:
            card = vals["card"].sudo()
            entry_type = vals["entry_type"]
            points = self._round(vals["points"])
            state = vals.get("state", "posted")
            source = vals.get("source")
            if float_is_zero(points, precision_digits=POINTS_DIGITS):
                raise ValidationError(
                    self.env._("A ledger entry needs a non-zero number of points.")
                )
            if not card.program_id:
                raise ValidationError(self.env._("Card %s has no loyalty program.", card.code))
            if entry_type in CREDIT_TYPES and points < 0:
                raise ValidationError(
                    self.env._(
                        "%(type)s entries add points: %(points)s is negative.",
                        type=entry_type,
                        points=points,
                    )
                )
            if entry_type in DEBIT_TYPES and points > 0:
                raise ValidationError(
                    self.env._(
                        "%(type)s entries remove points: %(points)s is positive.",
                        type=entry_type,
                        points=points,
                    )
                )
            if entry_type == "adjust" and not (vals.get("reason") or "").strip():
                raise ValidationError(self.env._("An adjustment needs a reason."))
            if entry_type == "adjust" and state == "posted":
                # the approval threshold, for the user calling the service (env.su: trusted code)
                card.with_env(self.env)._crm_check_adjust_allowed(points)
            expiry_date = vals.get("expiry_date")
            if expiry_date and fields.Date.to_date(expiry_date) < today:
                raise ValidationError(
                    self.env._(
                        "The expiry date %(date)s is in the past.",
                        date=fields.Date.to_string(fields.Date.to_date(expiry_date)),
                    )
                )
            self._check_source(card, source)
            if points > 0 and not expiry_date and entry_type != "reversal":
                expiry_date = self._expiry_date_for(card.program_id, vals.get("date") or now)
            if state == "posted":
                new_balance = self._round(balance[card.id] + points)
                guarded = entry_type in GUARDED_TYPES and points < 0
                if guarded and float_compare(new_balance, 0, precision_digits=POINTS_DIGITS) < 0:
                    raise UserError(
                        self.env._(
                            "Card %(card)s has %(available)s points available; %(asked)s cannot be "
                            "taken from it.",
                            card=card.code,
                            available=balance[card.id],
                            asked=-points,
                        )
                    )
                balance[card.id] = new_balance
            create_vals.append(
                {
                    "card_id": card.id,
                    "program_id": card.program_id.id,
                    "partner_id": card.partner_id.id,
                    "company_id": card.company_id.id or card.program_id.company_id.id,
                    "entry_type": entry_type,
                    "points": points,
                    "balance_after": balance[card.id] if state == "posted" else 0.0,
                    "state": state,
                    "date": vals.get("date") or now,
                    "date_posted": now if state == "posted" else False,
                    "expiry_date": expiry_date or False,
                    "release_date": vals.get("release_date") or False,
                    "reason": vals.get("reason"),
                    "user_id": self.env.uid,
                    "source_model": source._name if source else vals.get("source_model"),
                    "source_id": source.id if source else vals.get("source_id"),
                    "origin_entry_id": vals.get("origin_entry_id"),
                }
            )
        entries = self._store_entries(create_vals)
        self._set_card_points(cards, balance)
        entries._upgrade_tiers()
        return entries.with_env(self.env)

    def _upgrade_tiers(self):
        """Posted earnings may lift their card to a higher tier at once."""
        earned = self.filtered(
            lambda e: e.state == "posted" and e.entry_type == "earn" and e.program_id.crm_tier_ids
        )
        if earned:
            earned.card_id._crm_evaluate_tiers()

    @api.model
    def _set_card_points(self, cards, balance):
        by_value = defaultdict(list)
        for card in cards:
            if float_compare(card.points, balance[card.id], precision_digits=POINTS_DIGITS):
                by_value[balance[card.id]].append(card.id)
        for value, ids in by_value.items():
            cards.browse(ids)._crm_store_points(value)

    def _post_pending(self):
        """Post pending entries (an order was paid, the delivery delay passed)."""
        pending = self.sudo().filtered(lambda e: e.state == "pending")
        if not pending:
            return pending
        cards = pending.card_id
        self._lock_cards(cards)
        balance = {card.id: card.points for card in cards}
        now = fields.Datetime.now()
        for entry in pending.sorted(lambda e: (e.date, e.id)):
            balance[entry.card_id.id] = self._round(balance[entry.card_id.id] + entry.points)
            guarded = entry.entry_type in GUARDED_TYPES and entry.points < 0
            if guarded and balance[entry.card_id.id] < 0:
                raise UserError(
                    self.env._(
                        "Card %(card)s does not have the %(points)s points to take.",
                        card=entry.card_id.code,
                        points=-entry.points,
                    )
                )
            entry._store_transition(
                {"state": "posted", "balance_after": balance[entry.card_id.id], "date_posted": now}
            )
        self._set_card_points(cards, balance)
        pending._upgrade_tiers()
        return pending

    def _crm_request_approval(self):
        """Ask the strategy managers to approve a rep's adjustment request."""
        managers = self.env.ref("crm_strategy.group_crm_strategy_manager").users.filtered(
            lambda u: not u.share and u.active and u.id != self.env.ref("base.user_root").id
        )
        for entry in self.sudo().filtered("partner_id"):
            entry.partner_id.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Approve a loyalty adjustment of %s points", entry.points),
                note=self.env._(
                    "%(user)s asks to adjust card %(card)s by %(points)s points: %(reason)s",
                    user=entry.user_id.name,
                    card=entry.card_id.code,
                    points=entry.points,
                    reason=entry.reason,
                ),
                user_id=managers[:1].id or self.env.uid,
            )

    def _check_manager(self):
        if not self.env.user.has_group("crm_strategy.group_crm_strategy_manager"):
            raise AccessError(self.env._("Only a strategy manager approves adjustments."))
        if any(e.state != "pending" or e.entry_type != "adjust" for e in self):
            raise UserError(self.env._("Only pending adjustment requests can be approved."))

    def action_approve(self):
        self._check_manager()
        self._post_pending()

    def action_reject(self):
        self._check_manager()
        self.sudo()._store_transition({"state": "cancelled"})

    def _reverse(self, reason, source=None):
        """Reverse entries: posted ones by a reversal entry of the opposite sign, pending ones by
        cancelling them. Entries already reversed are skipped. Under the program's 'cap at zero'
        refund policy, reversing earned points that were already spent only takes what is left."""
        entries = self.sudo()
        pending = entries.filtered(lambda e: e.state == "pending")
        if pending:
            pending._store_transition({"state": "cancelled"})
        posted = (entries - pending).filtered(
            lambda e: e.state == "posted" and e.entry_type not in ("reversal", "expire")
        )
        if not posted:
            return self.browse()
        self._lock_cards(posted.card_id)
        balance = {card.id: card.points for card in posted.card_id}
        vals_list = []
        for entry in posted.sorted("id"):
            # what is left of the entry: earlier partial reversals and expiries are not undone
            remaining = entry.points + sum(
                entry.reversal_ids.filtered(lambda r: r.state == "posted").mapped("points")
            )
            points = -self._round(remaining)
            capped = entry.program_id.crm_refund_policy == "cap"
            if points < 0 and capped:
                points = -min(self._round(remaining), max(balance[entry.card_id.id], 0.0))
            if float_is_zero(points, precision_digits=POINTS_DIGITS):
                continue
            balance[entry.card_id.id] += points
            vals_list.append(
                {
                    "card": entry.card_id,
                    "entry_type": "reversal",
                    "points": points,
                    "reason": reason,
                    "source": source or entry._source_record(),
                    "origin_entry_id": entry.id,
                }
            )
        return self._post_entries(vals_list)

    # ------------------------------------------------------------------ expiry

    @api.model
    def _lots_sql(self, card_ids):
        """(lot id, card id, expiry date, unconsumed points) of the cards' posted lots.

        A lot is a root entry (no origin) whose net points (itself plus its reversals and expiries)
        are positive; debits are the other root entries, net negative. Debits consume lots in
        posting order (FIFO), so a lot's unconsumed part is clamp(cumulated lots - debits, 0, lot).
        """
        return SQL(
            """
            WITH net AS (
                SELECT COALESCE(e.origin_entry_id, e.id) AS root_id, e.card_id,
                       SUM(e.points) AS net
                  FROM crm_loyalty_ledger e
                 WHERE e.state = 'posted' AND e.card_id = ANY(%(cards)s)
              GROUP BY 1, 2
            ), debits AS (
                SELECT card_id, -SUM(net) AS total FROM net WHERE net < 0 GROUP BY card_id
            ), lots AS (
                SELECT n.root_id, n.card_id, n.net, r.expiry_date,
                       SUM(n.net) OVER (PARTITION BY n.card_id ORDER BY r.date, r.id) AS cum
                  FROM net n JOIN crm_loyalty_ledger r ON r.id = n.root_id
                 WHERE n.net > 0
            )
            SELECT lots.root_id AS lot_id, lots.card_id, lots.expiry_date,
                   LEAST(lots.net, GREATEST(0, lots.cum - COALESCE(d.total, 0))) AS unconsumed
              FROM lots LEFT JOIN debits d ON d.card_id = lots.card_id
            """,
            cards=list(card_ids),
        )

    @api.model
    def _expire_points(self, today=None, card_ids=None, limit=None):
        """Post the expiry entries due on ``today`` for (at most ``limit``) cards with lots due.

        Set-based: one query finds the cards, their rows are locked, one statement inserts every
        expiry entry (with its balance after) and updates the cards' points. Returns (cards
        processed, number of entries posted)."""
        today = today or fields.Date.context_today(self)
        self.env["crm.loyalty.ledger"].flush_model()
        self.env["loyalty.card"].flush_model()
        due = self._due_cards(today, card_ids=card_ids, limit=limit)
        if not due:
            return 0, 0
        # No explicit row lock: the statement's UPDATE of the cards conflicts with any
        # concurrent change of their points (REPEATABLE READ: serialization failure, the cron
        # is retried), and locking 100,000 card rows first would write them all twice.
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                WITH lots AS (%(lots)s), due AS (
                    SELECT lot_id, card_id, unconsumed FROM lots
                     WHERE expiry_date <= %(today)s AND unconsumed > 0
                ), ins AS (
                    INSERT INTO crm_loyalty_ledger (
                        card_id, program_id, partner_id, company_id, entry_type, points,
                        balance_after, state, date, date_posted, reason, user_id,
                        origin_entry_id, create_uid, create_date, write_uid, write_date)
                    SELECT d.card_id, c.program_id, c.partner_id,
                           COALESCE(c.company_id, p.company_id), 'expire', -d.unconsumed,
                           c.points - SUM(d.unconsumed) OVER (
                               PARTITION BY d.card_id ORDER BY d.lot_id),
                           'posted', %(now)s, %(now)s, %(reason)s, %(uid)s, d.lot_id,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM due d
                      JOIN loyalty_card c ON c.id = d.card_id
                      JOIN loyalty_program p ON p.id = c.program_id
                  ORDER BY d.card_id, d.lot_id
                 RETURNING card_id, points
                ), totals AS (
                    SELECT card_id, SUM(points) AS total, COUNT(*) AS n FROM ins GROUP BY card_id
                ), upd AS (
                    UPDATE loyalty_card c
                       SET points = round((c.points + COALESCE(t.total, 0))::numeric, 2),
                           crm_expiry_checked_until = %(today)s,
                           write_date = %(now)s, write_uid = %(uid)s
                      FROM unnest(%(due)s::int[]) AS u(card_id)
                 LEFT JOIN totals t ON t.card_id = u.card_id
                     WHERE c.id = u.card_id
                 RETURNING c.id
                )
                SELECT COALESCE(SUM(n), 0) FROM totals
                """,
                due=due,
                lots=self._lots_sql(due),
                today=today,
                now=now,
                reason=self.env._("Points expired"),
                uid=self.env.uid,
            )
        )
        posted = self.env.cr.fetchone()[0]
        self.env["loyalty.card"].invalidate_model(["points", "crm_expiry_checked_until"])
        self.env["crm.loyalty.ledger"].invalidate_model()
        return len(due), posted

    @api.model
    def _due_cards(self, today, card_ids=None, limit=None):
        """Cards with a posted lot due on or before ``today`` not processed yet."""
        where_cards = SQL("AND l.card_id = ANY(%s)", list(card_ids)) if card_ids else SQL()
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT l.card_id FROM crm_loyalty_ledger l
                     JOIN loyalty_card c ON c.id = l.card_id
                    WHERE l.expiry_date <= %(today)s AND l.origin_entry_id IS NULL
                      AND l.state = 'posted'
                      AND l.expiry_date > COALESCE(c.crm_expiry_checked_until, '-infinity'::date)
                      %(where_cards)s
                 ORDER BY l.card_id %(limit)s""",
                today=today,
                where_cards=where_cards,
                limit=SQL("LIMIT %s", limit) if limit else SQL(),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _cron_expire_points(self):
        done, _posted = self._expire_points(limit=EXPIRY_BATCH)
        remaining = len(self._due_cards(fields.Date.context_today(self)))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    # ------------------------------------------------------------------ audit

    @api.model
    def _drift_rows(self):
        """Cards whose points differ from the sum of their posted entries (one query)."""
        self.env["crm.loyalty.ledger"].flush_model()
        self.env["loyalty.card"].flush_model(["points"])
        self.env.cr.execute(
            """
            SELECT c.id, c.points, COALESCE(s.total, 0)
              FROM loyalty_card c
         LEFT JOIN (SELECT card_id, SUM(points) AS total FROM crm_loyalty_ledger
                     WHERE state = 'posted' GROUP BY card_id) s ON s.card_id = c.id
             WHERE round(COALESCE(c.points, 0)::numeric, 2)
                   <> round(COALESCE(s.total, 0)::numeric, 2)
            """
        )
        return self.env.cr.fetchall()

    @api.model
    def _broken_chains(self, company_ids=None):
        """[(entry id, card id, problem)]: the first broken posted entry of every card whose hash
        chain does not verify, in one statement. An entry is broken when its stored hash is not
        the hash of its payload chained to the previous entry's stored hash (its content or its
        predecessor changed), or when its sequence does not follow the previous one (an entry was
        deleted or unposted before it). ``company_ids`` limits the check to those companies' cards
        (a card's entries all belong to its company, so whole chains are kept)."""
        self.env["crm.loyalty.ledger"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            WITH chain AS (
                SELECT e.id, e.card_id, e.chain_seq, e.chain_hash,
                       crm_loyalty_ledger_hash(LAG(e.chain_hash) OVER w, e) AS expected,
                       COALESCE(LAG(e.chain_seq) OVER w, 0) + 1 AS expected_seq
                  FROM crm_loyalty_ledger e
                 WHERE e.state = 'posted' %(companies)s
                WINDOW w AS (PARTITION BY e.card_id ORDER BY e.chain_seq, e.id)
            ), broken AS (
                SELECT id, card_id,
                       CASE WHEN chain_seq IS DISTINCT FROM expected_seq THEN 'sequence'
                            ELSE 'hash' END AS problem,
                       ROW_NUMBER() OVER (PARTITION BY card_id ORDER BY chain_seq, id) AS rank
                  FROM chain
                 WHERE chain_hash IS DISTINCT FROM expected
                    OR chain_seq IS DISTINCT FROM expected_seq
            )
            SELECT id, card_id, problem FROM broken WHERE rank = 1 ORDER BY card_id
            """,
                companies=self._company_filter_sql(company_ids),
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _company_filter_sql(self, company_ids):
        if company_ids is None:
            return SQL()
        return SQL("AND (e.company_id = ANY(%s) OR e.company_id IS NULL)", list(company_ids))

    def action_verify_ledger(self):
        """Check every card's hash chain (strategy managers): a notification names the first
        broken entry of each card, or says that every chain verifies."""
        if not (self.env.su or self.env.user.has_group("crm_strategy.group_crm_strategy_manager")):
            raise AccessError(self.env._("Only a strategy manager verifies the points ledger."))
        # a manager verifies the cards of the companies they work in, as they read them
        company_ids = self.env.companies.ids
        rows = self._broken_chains(company_ids)
        if not rows:
            self.env.cr.execute(
                SQL(
                    "SELECT COUNT(*) FROM crm_loyalty_ledger e WHERE e.state = 'posted' %s",
                    self._company_filter_sql(company_ids),
                )
            )
            count = self.env.cr.fetchone()[0]
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success",
                    "title": self.env._("Ledger verified"),
                    "message": self.env._(
                        "The hash chains of %(count)s posted entries verify: nothing was changed "
                        "or deleted.",
                        count=count,
                    ),
                },
            }
        entries = self.sudo().browse([row[0] for row in rows])
        problems = {row[0]: row[2] for row in rows}
        lines = [
            self.env._(
                "%(entry)s of card %(card)s (%(date)s): %(problem)s",
                entry=entry.reference,
                card=entry.card_id.code,
                date=fields.Datetime.to_string(entry.date_posted),
                problem=self.env._("an entry before it is missing")
                if problems[entry.id] == "sequence"
                else self.env._("its content or its predecessor was changed"),
            )
            for entry in entries
        ]
        _logger.error("Loyalty ledger hash chain broken on %s card(s): %s", len(rows), lines)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "danger",
                "sticky": True,
                "title": self.env._("Ledger tampered with on %s card(s)", len(rows)),
                "message": "\n".join(lines),
            },
        }

    @api.model
    def _cron_audit_drift(self):
        rows = self._drift_rows()
        if rows:
            _logger.error(
                "Loyalty ledger drift on %s card(s), e.g. card %s: points %s, ledger %s",
                len(rows),
                *rows[0],
            )
            admin = self.env.ref("base.user_admin", raise_if_not_found=False)
            # loyalty cards have no activities: the company's contact carries the to-do
            self.env.company.partner_id.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Loyalty points drift on %s card(s)", len(rows)),
                note=self.env._(
                    "These cards' points differ from their ledger: %s",
                    ", ".join(str(r[0]) for r in rows[:50]),
                ),
                user_id=(admin or self.env.user).id,
            )
        self.env["ir.cron"]._notify_progress(done=len(rows), remaining=0)
        return rows

    @api.model
    def _cron_release_pending(self):
        """Post pending points whose delay passed ('N days after' programs)."""
        domain = [
            ("state", "=", "pending"),
            ("release_date", "!=", False),
            ("release_date", "<=", fields.Date.context_today(self)),
        ]
        pending = self.sudo().search(domain, limit=EXPIRY_BATCH, order="id")
        pending._post_pending()
        self.env["ir.cron"]._notify_progress(
            done=len(pending), remaining=self.sudo().search_count(domain)
        )
