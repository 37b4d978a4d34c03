from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL

from ..services import scoring

# Leads rescored per SQL statement. Each statement reads the events once (a sequential
# scan when the chunk is large), so fewer, larger chunks are faster; 200,000 leads and
# their events aggregate in a few hundred MB of work_mem-spilled hash/sort at most.
SCORE_CHUNK = 200_000
# key of the cursor's cache: ids of the leads `_move_stage` is moving
AUTO_STAGE_MOVES = "crm_strategy.auto_stage_moves"
# written in SQL by `_score_leads`: never tracked, their dependants are told by `modified`
SCORE_FIELDS = ["score", "score_fit", "score_engagement", "score_hot", "score_model_id"]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    score_model_id = fields.Many2one(
        "crm.scoring.model",
        string="Scoring Model",
        readonly=True,
        index="btree_not_null",
        help="The model that computed the score (batch-computed with it).",
    )
    score_fit = fields.Integer(
        string="Fit Score",
        readonly=True,
        aggregator="avg",
        help="Points for who the lead is (batch-computed with the score).",
    )
    score_engagement = fields.Integer(
        string="Engagement Score",
        readonly=True,
        aggregator="avg",
        help="Points for what the lead did, after decay and caps (batch-computed with the score).",
    )
    score = fields.Integer(
        string="Lead Score",
        readonly=True,
        index=True,
        aggregator="avg",
        help="Fit plus engagement, within the model's floor and ceiling. Independent of "
        "Odoo's predictive probability. Batch-computed: when engagement events arrive, on "
        "Rescore, and nightly (decay, and fit rules after the lead changed).",
    )
    score_hot = fields.Boolean(
        string="Hot Lead",
        readonly=True,
        help="The score reaches the model's hot threshold (batch-computed with the score).",
    )
    score_explanation = fields.Html(
        string="Why this score?", compute="_compute_score_explanation", sanitize=False
    )
    score_history_ids = fields.One2many("crm.lead.score.history", "lead_id")
    engagement_event_ids = fields.One2many("crm.engagement.event", "lead_id", string="Engagement")
    engagement_event_count = fields.Integer(compute="_compute_engagement_event_count")
    lifecycle_stage = fields.Selection(
        scoring.LIFECYCLE_STAGES,
        default="lead",
        required=True,
        index=True,
        tracking=True,
        help="Where the lead is in the funnel: moved forward by its score, its pipeline stage "
        "or by hand. Every change is tracked; the first value, at installation, comes from "
        "the pipeline (opportunities, won ones).",
    )
    lifecycle_stage_max = fields.Selection(
        scoring.LIFECYCLE_STAGES[:-1],
        string="Furthest Stage",
        default="lead",
        readonly=True,
        help="The furthest funnel stage this lead ever reached (for the funnel report).",
    )
    lifecycle_stage_manual = fields.Boolean(
        string="Stage Set by Hand",
        readonly=True,
        tracking=True,
        help="Someone set the lifecycle stage by hand; scores still move it forward only.",
    )

    @api.depends("score", "score_fit", "score_engagement", "score_model_id")
    def _compute_score_explanation(self):
        lines_by_lead = self._score_lines()
        for lead in self:
            lead.score_explanation = lead._render_score_explanation(lines_by_lead.get(lead.id, []))

    def _compute_engagement_event_count(self):
        counts = dict(
            self.env["crm.engagement.event"]._read_group(
                [("lead_id", "in", self.ids)], ["lead_id"], ["__count"]
            )
        )
        for lead in self:
            lead.engagement_event_count = counts.get(lead, 0)

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("type") == "opportunity" and "lifecycle_stage" not in vals:
                vals["lifecycle_stage"] = "opportunity"
            stage = vals.get("lifecycle_stage", "lead")
            if scoring.stage_rank(stage) >= 0:  # disqualified is outside the funnel
                vals.setdefault("lifecycle_stage_max", stage)
        leads = super().create(vals_list)
        leads._attach_orphan_events()
        return leads

    def write(self, vals):
        # A lifecycle stage written from outside is a person's choice; automatic moves
        # (scores, pipeline) go through `_move_stage`, never through a context key.
        manual = "lifecycle_stage" in vals and not self._moving_automatically()
        if manual:
            vals = dict(vals, lifecycle_stage_manual=True)
        result = super().write(vals)
        if "lifecycle_stage" in vals:
            self._raise_lifecycle_stage_max()
            self._push_stage_to_partners()
            if manual:
                for lead in self:
                    lead.message_post(
                        body=self.env._("Lifecycle stage set by hand to %s.", lead._stage_label()),
                        subtype_xmlid="mail.mt_note",
                    )
        if "type" in vals or "stage_id" in vals:
            self._follow_pipeline()
        return result

    # ---------------------------------------------------------------- actions

    def action_rescore(self):
        self.sudo()._score_leads(self.ids)
        return True

    def action_view_engagement_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_strategy.crm_engagement_event_action"
        )
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {"default_lead_id": self.id}
        return action

    # -------------------------------------------------------- lifecycle stage

    def _stage_label(self):
        return dict(scoring.LIFECYCLE_STAGES)[self.lifecycle_stage]

    def _raise_lifecycle_stage_max(self):
        """Record the furthest funnel stage reached (disqualified keeps the previous one)."""
        by_stage = defaultdict(list)
        for lead in self:
            if scoring.stage_rank(lead.lifecycle_stage) > scoring.stage_rank(
                lead.lifecycle_stage_max
            ):
                by_stage[lead.lifecycle_stage].append(lead.id)
        for stage, ids in by_stage.items():
            self.browse(ids).write({"lifecycle_stage_max": stage})

    def _move_stage(self, stage):
        """Automatic move (scores, pipeline): tracked in the chatter as any change, not
        flagged as set by hand.

        The leads being moved are noted on the cursor for the time of the write (see
        `_moving_automatically`): whether a move is automatic is decided by this code,
        and nothing a client sends (such as a context key) can claim it.
        """
        if not self:
            return
        moving = self.env.cr.cache.setdefault(AUTO_STAGE_MOVES, set())
        added = set(self.ids) - moving
        moving |= added
        try:
            self.write({"lifecycle_stage": stage})
        finally:
            moving -= added

    def _moving_automatically(self):
        """Whether every lead in self is being moved by `_move_stage`."""
        return set(self.ids) <= self.env.cr.cache.get(AUTO_STAGE_MOVES, set())

    def _follow_pipeline(self):
        """Opportunities are at least 'opportunity', won ones at least 'customer'."""
        forward = defaultdict(lambda: self.browse())
        for lead in self:
            if lead.lifecycle_stage == "disqualified":
                continue
            floor = None
            if lead.active and lead.stage_id.is_won:
                floor = "customer"
            elif lead.type == "opportunity":
                floor = "opportunity"
            if floor and scoring.stage_rank(floor) > scoring.stage_rank(lead.lifecycle_stage):
                forward[floor] |= lead
        for stage, leads in forward.items():
            leads._move_stage(stage)

    def _push_stage_to_partners(self):
        """A contact is at least as far in the funnel as its furthest lead."""
        forward = defaultdict(set)
        for lead in self.filtered("partner_id"):
            partner = lead.partner_id.commercial_partner_id
            if scoring.stage_rank(lead.lifecycle_stage) > scoring.stage_rank(
                partner.lifecycle_stage
            ):
                forward[partner] = max(
                    forward.get(partner, lead.lifecycle_stage),
                    lead.lifecycle_stage,
                    key=scoring.stage_rank,
                )
        by_stage = defaultdict(lambda: self.env["res.partner"])
        for partner, stage in forward.items():
            by_stage[stage] |= partner
        for stage, partners in by_stage.items():
            partners.sudo().write({"lifecycle_stage": stage})

    def _apply_score_stages(self, model, rows):
        """Move leads whose new score crosses `model`'s thresholds; run the crossing actions.

        `rows` are (lead id, new score, current stage) for the leads whose score changed.
        """
        thresholds = model._thresholds()
        if not thresholds:
            return
        moves = defaultdict(list)
        for lead_id, total, stage in rows:
            target = model._next_stage(stage, total)
            if target:
                moves[(stage, target)].append(lead_id)
        for (old, new), ids in moves.items():
            leads = self.browse(ids)
            leads._move_stage(new)
            crossed = model.threshold_ids.filtered(
                lambda t, old=old, new=new: (
                    scoring.stage_rank(old) < scoring.stage_rank(t.stage) <= scoring.stage_rank(new)
                )
            )
            for threshold in crossed.sorted(lambda t: scoring.stage_rank(t.stage)):
                threshold._apply(leads)

    # ---------------------------------------------------------------- scoring

    def _attach_orphan_events(self):
        """Give a new lead the events that arrived for its e-mail before it existed."""
        leads = self.filtered("email_normalized")
        if not leads:
            return
        Event = self.env["crm.engagement.event"]
        Event.flush_model(["lead_id", "email", "company_id"])
        leads.flush_recordset(["email_normalized", "company_id"])
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE crm_engagement_event e
                   SET lead_id = l.id
                  FROM crm_lead l
                 WHERE l.id = ANY(%s)
                   AND e.lead_id IS NULL
                   AND e.email = l.email_normalized
                   AND (l.company_id IS NULL OR e.company_id = l.company_id)
             RETURNING e.id, l.id
                """,
                leads.ids,
            )
        )
        if rows:
            Event.invalidate_model(["lead_id"])
            Event.browse([event_id for event_id, _lead_id in rows]).modified(["lead_id"])
            leads.invalidate_recordset(["engagement_event_ids", "engagement_event_count"])
            self.sudo()._score_leads(list({lead_id for _event_id, lead_id in rows}))

    def _models_for(self, lead_ids):
        """{scoring model: [lead ids]} for the given leads (one query, models are few).

        A lead is scored by its team's model, else by its company's. A lead without a
        company is scored by the first model of its team in the list of scoring models,
        else by the first model of that list without a team (`_shared_model`): the same
        model whoever triggers the rescore, whatever company they work in.
        """
        models_ = self.env["crm.scoring.model"].sudo().search([("active", "=", True)])
        if not models_ or not lead_ids:
            return {}
        team_model = {(m.company_id.id, m.team_id.id): m for m in models_ if m.team_id}
        company_model = {m.company_id.id: m for m in models_ if not m.team_id}
        shared_team_model = {}
        for model in models_.filtered("team_id"):  # in list order: the first one wins
            shared_team_model.setdefault(model.team_id.id, model)
        shared_model = self.env["crm.scoring.model"]._shared_model()
        self.flush_model(["company_id", "team_id", "partner_id"])
        self.env["res.partner"].flush_model(["crm_profiling_withdrawn"])
        # leads of a contact who withdrew consent to profiling are not scored
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.id, l.company_id, l.team_id
                  FROM crm_lead l
             LEFT JOIN res_partner p ON p.id = l.partner_id
                 WHERE l.id = ANY(%s) AND p.crm_profiling_withdrawn IS NOT TRUE
                """,
                list(lead_ids),
            )
        )
        result = defaultdict(list)
        for lead_id, company_id, team_id in rows:
            if company_id:
                model = team_model.get((company_id, team_id)) or company_model.get(company_id)
            else:
                model = shared_team_model.get(team_id) or shared_model
            if model:
                result[model].append(lead_id)
        return result

    @api.model
    def _score_lines_sql(self, model, lead_ids, now):
        """SQL giving (lead_id, rule_id, pts) for every rule contributing to the leads' score.

        Fit: one sub-query per rule, built from its domain by `_search`. Engagement: one
        aggregation over the events, decayed in SQL (power(0.5, age / half-life)), capped
        per period bucket then per rule.
        """
        ids_array = self._sql_int_array(lead_ids)
        parts = []
        for rule in model.rule_ids.filtered(lambda r: r.rule_type == "fit"):
            query = rule._search_leads()
            if query.is_empty():
                continue
            query.order = None
            query.add_where(SQL("%s = ANY(%s)", SQL.identifier(query.table, "id"), ids_array))
            parts.append(
                SQL(
                    "(%s)",
                    query.select(
                        SQL("%s AS lead_id", SQL.identifier(query.table, "id")),
                        SQL("%s AS rule_id", rule.id),
                        SQL("%s::float8 AS pts", rule.points),
                    ),
                )
            )
        parts.append(
            SQL(
                """
                (WITH bucketed AS (
                    SELECT e.lead_id, r.id AS rule_id, r.max_points, r.period_cap,
                           SUM(r.points * CASE
                               WHEN r.decay_mode = 'half_life' THEN power(
                                   0.5,
                                   EXTRACT(EPOCH FROM (%(now)s - e.timestamp))
                                       / 86400.0 / r.half_life_days)
                               ELSE 1.0 END) AS pts
                      FROM crm_engagement_event e
                      JOIN crm_scoring_rule r
                        ON r.model_id = %(model)s
                       AND r.active
                       AND r.rule_type = 'engagement'
                       AND r.event_type = e.event_type
                       AND (r.url_like IS NULL OR e.url_path LIKE r.url_like)
                     WHERE e.lead_id = ANY(%(ids)s)
                       AND e.timestamp <= %(now)s
                       AND (r.decay_mode != 'expiry'
                            OR e.timestamp > %(now)s - make_interval(days => r.expiry_days))
                  GROUP BY e.lead_id, r.id,
                           CASE WHEN r.period_cap > 0
                                THEN date_trunc(r.cap_period, e.timestamp) END
                ), per_rule AS (
                    SELECT lead_id, rule_id, max_points,
                           SUM(CASE WHEN period_cap > 0
                                    THEN sign(pts) * LEAST(abs(pts), period_cap)
                                    ELSE pts END) AS pts
                      FROM bucketed
                  GROUP BY lead_id, rule_id, max_points
                )
                SELECT lead_id, rule_id,
                       CASE WHEN max_points > 0 THEN sign(pts) * LEAST(abs(pts), max_points)
                            ELSE pts END AS pts
                  FROM per_rule)
                """,
                now=now,
                model=model.id,
                ids=ids_array,
            )
        )
        return SQL(" UNION ALL ").join(parts)

    @api.model
    def _sql_int_array(self, ids):
        """`ids` as one '{1,2,3}'::int[] text parameter: PostgreSQL parses it in one go,
        where psycopg2's ARRAY[1,2,3] makes one expression node per id (slow for 100k)."""
        return SQL("%s::int[]", "{" + ",".join(str(int(i)) for i in ids) + "}")

    def _score_lines(self):
        """{lead id: [(rule, points)]}, the explanation of the current score (read only)."""
        result = {}
        leads = self.filtered("id")
        if not leads:
            return result
        now = fields.Datetime.now()
        self.env["crm.engagement.event"].flush_model()
        self.env["crm.scoring.rule"].flush_model()
        for model, lead_ids in self._models_for(leads.ids).items():
            rows = self.env.execute_query(
                SQL(
                    "SELECT lead_id, rule_id, pts FROM (%s) lines WHERE pts != 0",
                    self._score_lines_sql(model.sudo(), lead_ids, now),
                )
            )
            rules = self.env["crm.scoring.rule"].sudo().browse({row[1] for row in rows})
            rules.fetch(["name", "rule_type", "sequence"])
            for lead_id, rule_id, pts in rows:
                result.setdefault(lead_id, []).append((rules.browse(rule_id), pts))
        return result

    def _render_score_explanation(self, lines):
        self.ensure_one()
        if not self.score_model_id and not lines:
            return Markup("<p class='text-muted'>%s</p>") % self.env._("Not scored yet.")
        kinds = {"fit": self.env._("Fit"), "engagement": self.env._("Engagement")}
        body = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>")
            % (kinds[rule.rule_type], rule.name, f"{pts:+.1f}")
            for rule, pts in sorted(lines, key=lambda line: (line[0].rule_type != "fit", -line[1]))
        )
        raw = self.score_fit + self.score_engagement
        bounds = ""
        if raw != self.score:
            bounds = self.env._("(kept within the model's floor and ceiling)")
        return Markup(
            "<table class='table table-sm o_crm_score_explanation'>"
            "<thead><tr><th>%s</th><th>%s</th><th class='text-end'>%s</th></tr></thead>"
            "<tbody>%s</tbody>"
            "<tfoot><tr><th colspan='2'>%s %s</th><th class='text-end'>%s</th></tr></tfoot>"
            "</table>"
        ) % (
            self.env._("Kind"),
            self.env._("Rule"),
            self.env._("Points"),
            body,
            self.env._("Score"),
            escape(bounds),
            self.score,
        )

    @api.model
    def _score_leads(self, lead_ids):
        """Rescore `lead_ids` set-based; record history; move stages. Returns changed count.

        Per model and chunk, one statement computes fit + engagement for every lead, keeps
        the total within floor and ceiling, updates only the leads whose score changed and
        inserts their history rows (data-modifying CTEs: the computed rows never leave
        PostgreSQL). Only leads crossing a stage threshold go through the ORM.
        """
        if not lead_ids:
            return 0
        now = fields.Datetime.now()
        self.env["crm.engagement.event"].flush_model()
        self.env["crm.scoring.rule"].flush_model()
        self.flush_model([*SCORE_FIELDS, "lifecycle_stage"])
        changed_count = 0
        for model, ids in self._models_for(lead_ids).items():
            model = model.sudo()
            for start in range(0, len(ids), SCORE_CHUNK):
                chunk = ids[start : start + SCORE_CHUNK]
                rows = self.env.execute_query(self._score_update_sql(model, chunk, now))
                changed_count += len(rows)
                self.invalidate_model(SCORE_FIELDS)
                # what depends on the scores is recomputed as after a write (none of these
                # fields is tracked: the score history keeps every change instead)
                self.browse([row[0] for row in rows]).modified(SCORE_FIELDS)
                self.env["crm.lead.score.history"].invalidate_model()
                self.sudo()._apply_score_stages(model, rows)
        return changed_count

    @api.model
    def _score_update_sql(self, model, lead_ids, now):
        return SQL(
            """
            WITH lines AS (%(lines)s),
            calc AS (
                SELECT ids.lead_id,
                       COALESCE(round(SUM(lines.pts) FILTER (WHERE r.rule_type = 'fit')), 0)::int
                           AS fit,
                       COALESCE(round(SUM(lines.pts)
                                FILTER (WHERE r.rule_type = 'engagement')), 0)::int AS eng
                  FROM unnest(%(ids)s) AS ids(lead_id)
             LEFT JOIN lines ON lines.lead_id = ids.lead_id
             LEFT JOIN crm_scoring_rule r ON r.id = lines.rule_id
              GROUP BY ids.lead_id
            ),
            changed AS (
                SELECT c.lead_id, c.fit, c.eng,
                       LEAST(GREATEST(c.fit + c.eng, %(floor)s), %(ceiling)s) AS total,
                       l.lifecycle_stage
                  FROM calc c
                  JOIN crm_lead l ON l.id = c.lead_id
                 WHERE l.score_model_id IS DISTINCT FROM %(model)s
                    OR l.score_fit IS DISTINCT FROM c.fit
                    OR l.score_engagement IS DISTINCT FROM c.eng
                    OR l.score IS DISTINCT FROM LEAST(GREATEST(c.fit + c.eng, %(floor)s),
                                                      %(ceiling)s)
            ),
            upd AS (
                UPDATE crm_lead l
                   SET score_fit = ch.fit,
                       score_engagement = ch.eng,
                       score = ch.total,
                       score_hot = ch.total >= %(hot)s,
                       score_model_id = %(model)s
                  FROM changed ch
                 WHERE l.id = ch.lead_id
            ),
            hist AS (
                INSERT INTO crm_lead_score_history
                       (lead_id, model_id, score_fit, score_engagement, score, date,
                        create_uid, create_date, write_uid, write_date)
                SELECT lead_id, %(model)s, fit, eng, total, %(now)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM changed
            )
            SELECT lead_id, total, lifecycle_stage FROM changed
            """,
            lines=self._score_lines_sql(model, lead_ids, now),
            ids=self._sql_int_array(lead_ids),
            floor=model.score_floor,
            ceiling=model.score_ceiling,
            hot=model.hot_threshold,
            model=model.id,
            now=now,
            uid=self.env.uid,
        )

    @api.model
    def _init_lifecycle_stages(self):
        """At install: opportunities start at 'opportunity', won ones at 'customer', and
        contacts as far as their furthest lead.

        Set-based, and without chatter lines: this is the first value of a field that did
        not exist before (every later change is tracked); fields depending on the stages
        are told by `modified`.
        """
        self.flush_model()
        lead_rows = self.env.execute_query(
            SQL(
                """
                UPDATE crm_lead l
                   SET lifecycle_stage = s.stage, lifecycle_stage_max = s.stage
                  FROM (SELECT l2.id,
                               CASE WHEN st.is_won AND l2.active THEN 'customer'
                                    ELSE 'opportunity' END AS stage
                          FROM crm_lead l2
                     LEFT JOIN crm_stage st ON st.id = l2.stage_id
                         WHERE l2.type = 'opportunity' OR (st.is_won AND l2.active)) s
                 WHERE l.id = s.id
             RETURNING l.id
                """
            )
        )
        partner_rows = self.env.execute_query(
            SQL(
                """
                UPDATE res_partner p
                   SET lifecycle_stage = CASE WHEN s.max_rank = 5 THEN 'customer'
                                              ELSE 'opportunity' END
                  FROM (SELECT COALESCE(rp.commercial_partner_id, rp.id) AS partner_id,
                               MAX(CASE l.lifecycle_stage WHEN 'customer' THEN 5
                                                          ELSE 4 END) AS max_rank
                          FROM crm_lead l
                          JOIN res_partner rp ON rp.id = l.partner_id
                         WHERE l.lifecycle_stage IN ('opportunity', 'customer')
                      GROUP BY 1) s
                 WHERE p.id = s.partner_id AND p.lifecycle_stage IS NULL
             RETURNING p.id
                """
            )
        )
        self.invalidate_model(["lifecycle_stage", "lifecycle_stage_max"])
        self.browse([row[0] for row in lead_rows]).modified(
            ["lifecycle_stage", "lifecycle_stage_max"]
        )
        Partner = self.env["res.partner"]
        Partner.invalidate_model(["lifecycle_stage"])
        Partner.browse([row[0] for row in partner_rows]).modified(["lifecycle_stage"])

    @api.model
    def _cron_rescore(self, batch_size=SCORE_CHUNK):
        """Apply decay and re-evaluate fit rules, one batch of leads per call."""
        param = self.env["ir.config_parameter"].sudo()
        last_id = int(param.get_param("crm_strategy.scoring_cron_last_id", 0))
        leads = self.sudo().with_context(active_test=False)
        ids = list(leads._search([("id", ">", last_id)], order="id", limit=batch_size))
        self._score_leads(ids)
        remaining = leads.search_count([("id", ">", ids[-1])]) if ids else 0
        param.set_param("crm_strategy.scoring_cron_last_id", ids[-1] if remaining else 0)
        self.env["ir.cron"]._notify_progress(done=len(ids), remaining=remaining)
