import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_compare, float_round

_logger = logging.getLogger(__name__)

GOAL_STATUSES = [
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("off_track", "Off Track"),
    ("achieved", "Achieved"),
    ("missed", "Missed"),
]
OWNER_TYPES = [("user", "Salesperson"), ("team", "Sales Team"), ("company", "Company")]
RECURRENCES = [("none", "Once"), ("monthly", "Every month"), ("quarterly", "Every quarter")]
RECURRENCE_MONTHS = {"monthly": 1, "quarterly": 3}
# below this share of the value expected by today a goal is off track (at risk above it)
AT_RISK_SHARE = 0.8
# goals refreshed by the cron per call, and rows per UPDATE when writing progress back
REFRESH_BATCH_SIZE = 5000
WRITE_BATCH_SIZE = 5000
# a goal opened in the interface is recomputed when its figures are older than this
FRESH_FOR = timedelta(minutes=1)
# who owns a goal: the record rules on goals read these, so they are checked again after a write
OWNERSHIP_FIELDS = {"owner_type", "user_id", "owner_team_id", "company_id"}
# the cron keeps refreshing a goal this many days after its deadline
FINAL_GRACE_DAYS = 7


def _cmp(a, b):
    """-1, 0 or 1 as `a` is below, equal to (to 6 decimals) or above `b`."""
    diff = round(a - b, 6)
    return (diff > 0) - (diff < 0)


def progress_of(value, target, lower):
    """Progress in %: value / target, or target / value when lower is better."""
    if target <= 0:
        return 0.0
    if lower:
        return 100.0 * target / value if value > 0 else 100.0
    return 100.0 * value / target


def pace_share(date_start, date_deadline, today):
    """The share of the period elapsed by the end of `today` (0 before, 1 after)."""
    total = (date_deadline - date_start).days + 1
    elapsed = (today - date_start).days + 1
    return min(max(elapsed / total, 0.0), 1.0)


def goal_figures(value, baseline, target, share, over, cumulative, lower):
    """(expected value by today, progress %, status) of a goal at `value`.

    Rules (readme/USAGE.md): counts and sums are expected to grow linearly from 0 to
    the target; rates and averages to move linearly from the baseline to the target
    (or to be at the target when the baseline already beats it). A goal on a count or
    sum that reaches its target is achieved at once; otherwise the verdict (achieved or
    missed) falls after the deadline (`over`). Before that, a goal at or ahead of the
    expected value is on track, within 20% of it at risk, else off track.
    """
    if cumulative:
        expected = target * share
    elif baseline and (target < baseline if lower else target > baseline):
        expected = baseline + (target - baseline) * share
    else:
        expected = target
    meets = _cmp(value, target) <= 0 if lower else _cmp(value, target) >= 0
    if over:
        status = "achieved" if meets else "missed"
    elif meets and cumulative and not lower:
        status = "achieved"
    elif lower:
        if _cmp(value, expected) <= 0 or not expected:
            status = "on_track"
        elif value * AT_RISK_SHARE <= expected:
            status = "at_risk"
        else:
            status = "off_track"
    elif _cmp(value, expected) >= 0:
        status = "on_track"
    elif value >= expected * AT_RISK_SHARE:
        status = "at_risk"
    else:
        status = "off_track"
    return expected, progress_of(value, target, lower), status


class CrmSmartGoal(models.Model):
    """A SMART goal: Specific, Measurable, Achievable, Relevant, Time-bound.

    Its figures (current value, baseline, pace, status) are stored so that goals can be
    searched, grouped and drawn; `_refresh_progress` recomputes them for any set of goals
    with one grouped query per metric and owner type (`crm.goal.metric._compute_values`)
    and writes them back set-based.
    """

    _name = "crm.smart.goal"
    _description = "SMART Goal"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_deadline desc, id desc"
    _check_company_auto = True

    # Specific
    name = fields.Char("Title", required=True, tracking=True)
    description = fields.Text(required=True, help="What exactly is to be achieved, and how.")
    objective_id = fields.Many2one(
        "crm.strategy.objective",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="The business goal this goal serves.",
    )
    active = fields.Boolean(default=True)
    template_id = fields.Many2one(
        "crm.smart.goal.template",
        "Start from a Template",
        help="Fills the goal from a classic example; the target may be a multiple of the baseline.",
    )
    # Measurable
    metric_id = fields.Many2one(
        "crm.goal.metric", required=True, index=True, tracking=True, ondelete="restrict"
    )
    metric_kind = fields.Selection(related="metric_id.kind")
    direction = fields.Selection(related="metric_id.direction")
    unit = fields.Char(related="metric_id.unit")
    metric_model = fields.Char(compute="_compute_metric_model")
    filter_domain = fields.Char(
        "Filter", default="[]", help="Only the metric's records matching this filter count."
    )
    # Achievable
    target = fields.Float(required=True, tracking=True)
    baseline_value = fields.Float(
        "Baseline",
        readonly=True,
        help="The metric's value over the previous period of the same length.",
    )
    ambition_warning = fields.Char(compute="_compute_ambition_warning")
    # Relevant
    persona_id = fields.Many2one("crm.persona", "Buyer Persona", check_company=True)
    rfm_segment_id = fields.Many2one(
        "crm.rfm.segment",
        "RFM Segment",
        help="The customer segment this goal serves, e.g. At Risk.",
    )
    team_id = fields.Many2one(
        "crm.team", "Relevant Team", check_company=True, help="The team this goal matters to."
    )
    # Time-bound
    date_start = fields.Date("Start", required=True, tracking=True)
    date_deadline = fields.Date("Deadline", required=True, tracking=True)
    recurrence = fields.Selection(RECURRENCES, required=True, default="none")
    previous_goal_id = fields.Many2one("crm.smart.goal", "Previous Period", readonly=True)
    next_goal_ids = fields.One2many("crm.smart.goal", "previous_goal_id", "Next Period")
    # Owner
    owner_type = fields.Selection(OWNER_TYPES, "Owner", required=True, default="user")
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    owner_team_id = fields.Many2one("crm.team", index=True, tracking=True, check_company=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    owner_name = fields.Char("Owned By", compute="_compute_owner_name")
    # Progress
    current_value = fields.Float(readonly=True, aggregator="sum")
    progress = fields.Float("Progress (%)", readonly=True, aggregator="avg")
    expected_value = fields.Float(
        "Expected by Today",
        readonly=True,
        aggregator="sum",
        help="Where the goal should be today at a linear pace from its start to its deadline.",
    )
    status = fields.Selection(GOAL_STATUSES, readonly=True, default="on_track", index=True)
    last_refresh = fields.Datetime("Last Computed", readonly=True)
    checkin_ids = fields.One2many("crm.smart.goal.checkin", "goal_id", "Check-ins")
    checkin_count = fields.Integer("Number of Check-ins", compute="_compute_checkin_count")
    # Team roll-up
    member_goal_ids = fields.Many2many(
        "crm.smart.goal", compute="_compute_member_goals", string="Members' Goals"
    )
    member_target = fields.Float("Members' Targets", compute="_compute_member_goals")
    member_value = fields.Float("Members' Values", compute="_compute_member_goals")
    member_progress = fields.Float("Members' Progress (%)", compute="_compute_member_goals")

    @api.depends("metric_id")
    def _compute_metric_model(self):
        for goal in self:
            goal.metric_model = goal.metric_id._source_model() if goal.metric_id else False

    @api.depends("owner_type", "user_id", "owner_team_id", "company_id")
    def _compute_owner_name(self):
        for goal in self:
            owner = {
                "user": goal.user_id,
                "team": goal.owner_team_id,
                "company": goal.company_id,
            }[goal.owner_type or "user"]
            goal.owner_name = owner.display_name or False

    @api.depends("target", "baseline_value", "objective_id.max_ambition_ratio", "direction")
    def _compute_ambition_warning(self):
        for goal in self:
            ratio = goal.objective_id.max_ambition_ratio or 0.0
            baseline = goal.baseline_value
            warning = False
            if ratio > 0 and baseline > 0 and goal.target > 0:
                stretch = (
                    goal.target / baseline if goal.direction != "lower" else baseline / goal.target
                )
                if float_compare(stretch, ratio, precision_digits=6) > 0:
                    warning = self.env._(
                        "This target is %(stretch)s times the baseline (%(baseline)s over the "
                        "previous period), more than the %(ratio)s the objective considers "
                        "achievable.",
                        stretch=float_round(stretch, 2),
                        baseline=float_round(baseline, 2),
                        ratio=ratio,
                    )
            goal.ambition_warning = warning

    def _compute_checkin_count(self):
        counts = dict(
            self.env["crm.smart.goal.checkin"]._read_group(
                [("goal_id", "in", self.ids)], ["goal_id"], ["__count"]
            )
        )
        for goal in self:
            goal.checkin_count = counts.get(goal, 0)

    @api.depends("owner_type", "owner_team_id", "metric_id", "date_start", "date_deadline")
    def _compute_member_goals(self):
        """A team goal's members' goals: same metric, overlapping period, owned by members.
        One search for all team goals in self."""
        teams = self.filtered(lambda g: g.owner_type == "team" and g.owner_team_id and g.id)
        (self - teams).update(
            {
                "member_goal_ids": False,
                "member_target": 0.0,
                "member_value": 0.0,
                "member_progress": 0.0,
            }
        )
        if not teams:
            return
        candidates = self.search(
            [
                ("owner_type", "=", "user"),
                ("metric_id", "in", teams.metric_id.ids),
                ("user_id", "in", teams.owner_team_id.member_ids.ids),
                ("date_start", "<=", max(teams.mapped("date_deadline"))),
                ("date_deadline", ">=", min(teams.mapped("date_start"))),
            ]
        )
        for goal in teams:
            members = candidates.filtered(
                lambda c, g=goal: (
                    c.metric_id == g.metric_id
                    and c.user_id in g.owner_team_id.member_ids
                    and c.date_start <= g.date_deadline
                    and c.date_deadline >= g.date_start
                )
            )
            target = sum(members.mapped("target"))
            if goal.metric_id._is_cumulative():
                value = sum(members.mapped("current_value"))
            else:
                value = sum(members.mapped("current_value")) / len(members) if members else 0.0
                target = target / len(members) if members else 0.0
            goal.member_goal_ids = members
            goal.member_target = target
            goal.member_value = value
            goal.member_progress = progress_of(value, target, goal.direction == "lower")

    @api.onchange("template_id")
    def _onchange_template_id(self):
        template = self.template_id
        if not template:
            return None
        start, deadline = template._period_dates(fields.Date.context_today(self))
        self.update(
            {
                "name": template.name,
                "description": template.description,
                "metric_id": template.metric_id,
                "date_start": start,
                "date_deadline": deadline,
                "recurrence": template.recurrence,
            }
        )
        if template.target_mode == "fixed":
            self.target = template.target
            return None
        baseline = self._baseline_now()
        if baseline > 0:
            self.target = float_round(baseline * template.target_ratio, 2)
            return None
        return {
            "warning": {
                "title": self.env._("No baseline"),
                "message": self.env._(
                    "%(metric)s was zero over the previous period: set the target yourself.",
                    metric=template.metric_id.name,
                ),
            }
        }

    def _baseline_now(self):
        """The baseline of this (possibly unsaved) goal, computed on the spot."""
        self.ensure_one()
        metric = self.metric_id
        if not (metric and self.date_start and self.date_deadline):
            return 0.0
        if self.owner_type == "user":
            user = self.user_id
            owner = user.partner_id.id if metric._user_is_partner() else user.id
        elif self.owner_type == "team":
            owner = self.owner_team_id.id
        else:
            owner = self.company_id.id
        if not owner or self.owner_type not in metric._owner_types():
            return 0.0
        # Computed as superuser: a rep gets the baseline of their own goals only.
        is_manager = self.env.user.has_group("crm_strategy.group_crm_strategy_manager")
        if not is_manager and (self.owner_type != "user" or self.user_id != self.env.user):
            return 0.0
        length = (self.date_deadline - self.date_start).days + 1
        row = (
            0,
            self.owner_type,
            owner,
            self.filter_domain,
            self.date_start - timedelta(days=length),
            self.date_start - timedelta(days=1),
        )
        return metric.sudo()._compute_values([row])[0]

    # ------------------------------------------------------------ constraints

    @api.constrains("date_start", "date_deadline")
    def _check_dates(self):
        for goal in self:
            if goal.date_deadline < goal.date_start:
                raise ValidationError(
                    self.env._(
                        "Goal %(name)s: the deadline (%(deadline)s) is before the start "
                        "(%(start)s).",
                        name=goal.name,
                        deadline=goal.date_deadline,
                        start=goal.date_start,
                    )
                )

    @api.constrains("target")
    def _check_target(self):
        for goal in self:
            if float_compare(goal.target, 0.0, precision_digits=6) <= 0:
                raise ValidationError(
                    self.env._(
                        "Goal %(name)s: the target must be above zero (it is %(target)s).",
                        name=goal.name,
                        target=goal.target,
                    )
                )

    @api.constrains("owner_type", "user_id", "owner_team_id", "metric_id", "filter_domain")
    def _check_owner_and_filter(self):
        for goal in self:
            if goal.owner_type == "user" and not goal.user_id:
                raise ValidationError(
                    self.env._("Goal %(name)s: choose its salesperson.", name=goal.name)
                )
            if goal.owner_type == "team" and not goal.owner_team_id:
                raise ValidationError(
                    self.env._("Goal %(name)s: choose its sales team.", name=goal.name)
                )
            metric = goal.metric_id
            if goal.owner_type not in metric._owner_types():
                raise ValidationError(
                    self.env._(
                        "Goal %(name)s: the metric %(metric)s cannot be measured for a %(owner)s.",
                        name=goal.name,
                        metric=metric.name,
                        owner=dict(OWNER_TYPES)[goal.owner_type].lower(),
                    )
                )
            metric._parse_domain(goal.filter_domain, metric._source_model())
            goal._check_owner_can_read()

    def _check_owner_can_read(self):
        """A goal may only measure records its owner can read (see readme/USAGE.md).

        Checked when the goal is saved, for the salesperson of a personal goal and the
        leader of a team goal: read access to the metric's model, and every record the
        goal counts passing the owner's record rules. Company goals are not checked.
        """
        self.ensure_one()
        user = self.user_id if self.owner_type == "user" else self.owner_team_id.user_id
        if self.owner_type == "company" or not user:
            return
        metric = self.metric_id
        model_name = metric._source_model()
        Model = self.env[model_name].with_user(user).with_context(active_test=False)
        if not Model.has_access("read"):
            raise ValidationError(
                self.env._(
                    "Goal %(name)s: %(user)s cannot read %(model)s, which the metric "
                    "%(metric)s counts.",
                    name=self.name,
                    user=user.name,
                    model=self.env["ir.model"]._get(model_name).name,
                    metric=metric.name,
                )
            )
        owner_field = self._owner_field_name()
        if not owner_field:
            return
        owner_id = user.id if self.owner_type == "user" else self.owner_team_id.id
        domain = [
            *metric._source_domain(),
            *metric._parse_domain(self.filter_domain, model_name),
            (owner_field, "=", owner_id),
        ]
        counted = Model.sudo().search_count(domain)
        readable = Model.search_count(domain)
        if readable < counted:
            raise ValidationError(
                self.env._(
                    "Goal %(name)s: %(user)s cannot read %(hidden)s of the %(count)s records "
                    "this goal counts; change the metric, the filter or the owner.",
                    name=self.name,
                    user=user.name,
                    hidden=counted - readable,
                    count=counted,
                )
            )

    def _owner_field_name(self):
        """The field of the metric's records holding this goal's owner, if there is one."""
        self.ensure_one()
        metric = self.metric_id
        Model = self.env[metric._source_model()]
        if metric.kind == "custom":
            field = metric.user_field_id if self.owner_type == "user" else metric.team_field_id
            return field.name or False
        fname = "user_id" if self.owner_type == "user" else "team_id"
        return (
            fname
            if metric.kind not in ("activities_done", "loyalty_points") and (fname in Model._fields)
            else False
        )

    # ------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("owner_type", "user") != "user":
                vals["user_id"] = False  # not the creator's: rules and group-bys read user_id
        goals = super().create(vals_list)
        goals._refresh_progress(baseline=True)
        return goals

    def write(self, vals):
        if vals.get("owner_type") in ("team", "company"):
            vals = dict(vals, user_id=False)
        result = super().write(vals)
        if not self.env.su and OWNERSHIP_FIELDS & set(vals):
            # Odoo checks record rules on the records before a write, and after a create.
            # Check the goals as they are now too, so that a salesperson cannot turn their
            # own goal into someone else's (or the company's) with a write, exactly as
            # they cannot create one: same rules, same AccessError.
            self.check_access("write")
        measured = {
            "metric_id",
            "filter_domain",
            "target",
            "date_start",
            "date_deadline",
            "owner_type",
            "user_id",
            "owner_team_id",
            "company_id",
        }
        if measured & set(vals):
            self._refresh_progress(baseline=True)
        return result

    def web_read(self, specification):
        """Fresh figures whenever someone opens a goal (unless the request runs on a
        read-only replica: the cron and "My Goals" refresh them then)."""
        if len(self) == 1 and "current_value" in specification and not self.env.cr.readonly:
            stale_before = fields.Datetime.now() - FRESH_FOR
            if not self.last_refresh or self.last_refresh < stale_before:
                self._refresh_progress()
        return super().web_read(specification)

    # ------------------------------------------------------------ actions

    @api.model
    def action_my_goals(self):
        """ "My goals": the current user's goals, computed afresh, as kanban cards."""
        mine = self.search([("owner_type", "=", "user"), ("user_id", "=", self.env.uid)])
        mine._refresh_progress()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "crm_strategy.crm_smart_goal_action_my"
        )

    def action_refresh(self):
        self._refresh_progress()
        return True

    def action_checkin(self):
        """Record today's figures as a check-in (the points of the progress line)."""
        self.check_access("write")
        self._refresh_progress()
        self.sudo()._create_checkins()
        return self.action_view_checkins()

    def action_view_checkins(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_strategy.crm_smart_goal_checkin_action"
        )
        action["domain"] = [("goal_id", "=", self.id)]
        action["context"] = {"default_goal_id": self.id}
        return action

    # ------------------------------------------------------------ progress

    def _figures(self, value, baseline, today):
        """(expected value by today, progress %, status) for this goal at `value`."""
        self.ensure_one()
        metric = self.metric_id
        return goal_figures(
            value,
            baseline,
            self.target,
            pace_share(self.date_start, self.date_deadline, today),
            today > self.date_deadline,
            metric._is_cumulative(),
            metric.direction == "lower",
        )

    def _compute_metric_values(self, baseline=False):
        """{goal id: value} over each goal's period, or the previous equivalent period
        when `baseline`; one `_compute_values` call per metric."""
        values = {}
        for metric, goals in self.grouped("metric_id").items():
            by_partner = metric._user_is_partner()
            rows = []
            for goal in goals:
                start, end = goal.date_start, goal.date_deadline
                if baseline:
                    length = (end - start).days + 1
                    start, end = start - timedelta(days=length), start - timedelta(days=1)
                owner_type = goal.owner_type
                if owner_type == "user":
                    owner = goal.user_id.partner_id.id if by_partner else goal.user_id.id
                elif owner_type == "team":
                    owner = goal.owner_team_id.id
                else:
                    owner = goal.company_id.id
                rows.append((goal.id, owner_type, owner, goal.filter_domain, start, end))
            values.update(metric._compute_values(rows))
        return values

    def _refresh_progress(self, baseline=False):
        """Recompute value, pace, progress and status of the goals in self (and their
        baseline when `baseline`), write them back set-based and post a chatter
        message on each goal that has just been achieved or missed."""
        goals = self.filtered("id").sudo()
        if not goals:
            return
        goals.fetch(
            [
                "metric_id",
                "owner_type",
                "user_id",
                "owner_team_id",
                "company_id",
                "filter_domain",
                "date_start",
                "date_deadline",
                "target",
                "baseline_value",
                "status",
            ]
        )
        today = fields.Date.context_today(self)
        now = self.env.cr.now()
        values = goals._compute_metric_values()
        baselines = goals._compute_metric_values(baseline=True) if baseline else {}
        kinds = {
            metric.id: (metric._is_cumulative(), metric.direction == "lower")
            for metric in goals.metric_id
        }
        rows = []
        reached = []
        for goal in goals:
            value = values.get(goal.id, 0.0)
            base = baselines.get(goal.id, goal.baseline_value)
            start, deadline = goal.date_start, goal.date_deadline
            expected, progress, status = goal_figures(
                value,
                base,
                goal.target,
                pace_share(start, deadline, today),
                today > deadline,
                *kinds[goal.metric_id.id],
            )
            rows.append((goal.id, value, base, expected, progress, status))
            if status in ("achieved", "missed") and goal.status != status:
                reached.append(goal)
        self.env.flush_all()
        for start in range(0, len(rows), WRITE_BATCH_SIZE):
            self.env.cr.execute(
                SQL(
                    """UPDATE crm_smart_goal AS g
                          SET current_value = v.value, baseline_value = v.baseline,
                              expected_value = v.expected, progress = v.progress,
                              status = v.status, last_refresh = %(now)s
                         FROM (VALUES %(values)s)
                           AS v(id, value, baseline, expected, progress, status)
                        WHERE g.id = v.id""",
                    now=now,
                    values=SQL(", ").join(
                        SQL("(%s, %s::float, %s::float, %s::float, %s::float, %s)", *row)
                        for row in rows[start : start + WRITE_BATCH_SIZE]
                    ),
                )
            )
        goals.invalidate_recordset(
            [
                "current_value",
                "baseline_value",
                "expected_value",
                "progress",
                "status",
                "last_refresh",
            ]
        )
        for goal in reached:
            goal._post_verdict()

    def _post_verdict(self):
        self.ensure_one()
        values = {
            "name": self.name,
            "value": float_round(self.current_value, 2),
            "target": float_round(self.target, 2),
            "unit": self.unit or "",
        }
        if self.status == "achieved":
            body = self.env._(
                "Goal achieved: %(name)s reached %(value)s %(unit)s for a target of "
                "%(target)s %(unit)s.",
                **values,
            )
        else:
            body = self.env._(
                "Goal missed: %(name)s ended at %(value)s %(unit)s for a target of "
                "%(target)s %(unit)s.",
                **values,
            )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _create_checkins(self):
        """One check-in per goal for today (replacing today's earlier one)."""
        today = fields.Date.context_today(self)
        Checkin = self.env["crm.smart.goal.checkin"]
        Checkin.search([("goal_id", "in", self.ids), ("date", "=", today)]).unlink()
        return Checkin.create(
            [
                {
                    "goal_id": goal.id,
                    "date": today,
                    "value": goal.current_value,
                    "expected_value": goal.expected_value,
                    "target": goal.target,
                    "progress": goal.progress,
                    "status": goal.status,
                }
                for goal in self
            ]
        )

    # ------------------------------------------------------------ recurrence and cron

    def _create_next_goals(self):
        """The next period's goal for every recurring goal in self whose period is over
        and that has none yet. Returns the new goals."""
        today = fields.Date.context_today(self)
        due = self.filtered(
            lambda g: g.recurrence != "none" and g.date_deadline < today and not g.next_goal_ids
        )
        vals_list = []
        for goal in due:
            start = goal.date_deadline + timedelta(days=1)
            months = RECURRENCE_MONTHS[goal.recurrence]
            vals_list.append(
                {
                    "name": goal.name,
                    "description": goal.description,
                    "objective_id": goal.objective_id.id,
                    "metric_id": goal.metric_id.id,
                    "filter_domain": goal.filter_domain,
                    "target": goal.target,
                    "persona_id": goal.persona_id.id,
                    "rfm_segment_id": goal.rfm_segment_id.id,
                    "team_id": goal.team_id.id,
                    "date_start": start,
                    "date_deadline": start + relativedelta(months=months, days=-1),
                    "recurrence": goal.recurrence,
                    "previous_goal_id": goal.id,
                    "owner_type": goal.owner_type,
                    "user_id": goal.user_id.id,
                    "owner_team_id": goal.owner_team_id.id,
                    "company_id": goal.company_id.id,
                }
            )
        # One goal whose owner lost access must not roll back the whole nightly run.
        created = self.browse()
        for vals in vals_list:
            try:
                with self.env.cr.savepoint():
                    created |= self.create(vals)
            except ValidationError as error:
                _logger.info(
                    "crm_strategy: goal %s not renewed: %s", vals["previous_goal_id"], error
                )
        return created

    @api.model
    def _refresh_domain(self):
        """Goals whose figures can still change: running, ended less than a week ago
        (records entered late still count), or ended without a verdict."""
        today = fields.Date.context_today(self)
        return [
            "|",
            ("date_deadline", ">=", today - timedelta(days=FINAL_GRACE_DAYS)),
            ("status", "not in", ("achieved", "missed")),
        ]

    @api.model
    def _cron_refresh_goals(self, batch_size=REFRESH_BATCH_SIZE):
        """Refresh one batch of running goals without a check-in today, record their
        check-in, and start the next period of the recurring goals that ended."""
        today = fields.Date.context_today(self)
        domain = [*self._refresh_domain(), ("checkin_ids", "not any", [("date", "=", today)])]
        goals = self.search(domain, order="id", limit=batch_size)
        goals._refresh_progress()
        goals._create_checkins()
        self.search(
            [
                ("recurrence", "!=", "none"),
                ("date_deadline", "<", today),
                ("next_goal_ids", "=", False),
            ]
        )._create_next_goals()
        remaining = self.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(goals), remaining=remaining)
        return goals
