import ast
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

METRIC_KINDS = [
    ("leads_created", "Leads created"),
    ("opportunities_created", "Opportunities created"),
    ("opportunities_won", "Opportunities won"),
    ("revenue_won", "Revenue won"),
    ("win_rate", "Win rate (%)"),
    ("loss_rate", "Loss rate (%)"),
    ("new_customers", "New customers"),
    ("activities_done", "Activities completed"),
    ("average_deal_size", "Average deal size"),
    ("average_sales_cycle", "Average sales cycle (days)"),
    ("loyalty_points", "Loyalty points issued"),
    ("customers_retained", "Customers retained"),
    ("custom", "Custom"),
]
AGGREGATES = [("count", "Count"), ("sum", "Sum"), ("avg", "Average")]
# kinds whose value only grows during the period: a goal on them is achieved as soon
# as the target is reached; the others (rates, averages) are judged at the deadline.
CUMULATIVE_AGGREGATES = ("count", "sum")

WON = [("active", "=", True), ("stage_id.is_won", "=", True)]
# ledger entries that issue loyalty points (plus positive adjustments)
ISSUING_ENTRY_TYPES = ["earn", "tier_bonus", "referral"]
LOST = [("active", "=", False), ("probability", "=", 0)]


class CrmGoalMetric(models.Model):
    """What a SMART goal measures, computed from the CRM's own records.

    A metric computes every goal that uses it in one grouped SQL query per owner
    type (user, team, company) and filter: the goals' periods and owners are joined
    to the records as a VALUES list, so the cost does not grow with the number of
    goals (see `_compute_values`).
    """

    _name = "crm.goal.metric"
    _description = "Goal Metric"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    kind = fields.Selection(METRIC_KINDS, required=True, default="custom")
    direction = fields.Selection(
        [("higher", "Higher is better"), ("lower", "Lower is better")],
        required=True,
        default="higher",
    )
    unit = fields.Char(translate=True, help="Shown after values, e.g. 'leads', '€', '%', 'days'.")
    # custom metrics (the same shape as a gamification goal definition)
    model_id = fields.Many2one("ir.model", ondelete="cascade")
    model_name = fields.Char(related="model_id.model", string="Model Name")
    domain = fields.Char(default="[]", help="Records counted by this metric.")
    date_field_id = fields.Many2one(
        "ir.model.fields",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('date', 'datetime')), "
        "('store', '=', True)]",
        help="A record counts in a goal when this date falls in the goal's period.",
    )
    user_field_id = fields.Many2one(
        "ir.model.fields",
        "Salesperson Field",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('relation', '=', 'res.users'), "
        "('ttype', '=', 'many2one'), ('store', '=', True)]",
        help="The user a record counts for in a salesperson's goal.",
    )
    team_field_id = fields.Many2one(
        "ir.model.fields",
        "Sales Team Field",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('relation', '=', 'crm.team'), "
        "('ttype', '=', 'many2one'), ('store', '=', True)]",
        help="The sales team a record counts for in a team's goal.",
    )
    aggregate = fields.Selection(AGGREGATES, default="count")
    value_field_id = fields.Many2one(
        "ir.model.fields",
        "Field to Aggregate",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('integer', 'float', "
        "'monetary')), ('store', '=', True)]",
    )
    goal_count = fields.Integer("Number of Goals", compute="_compute_goal_count")

    def _compute_goal_count(self):
        counts = dict(
            self.env["crm.smart.goal"]._read_group(
                [("metric_id", "in", self.ids)], ["metric_id"], ["__count"]
            )
        )
        for metric in self:
            metric.goal_count = counts.get(metric, 0)

    @api.constrains("kind", "model_id", "domain", "date_field_id", "aggregate", "value_field_id")
    def _check_custom_definition(self):
        for metric in self.filtered(lambda m: m.kind == "custom"):
            if not metric.model_id or not metric.date_field_id:
                raise ValidationError(
                    self.env._(
                        "The custom metric %(name)s needs a model and a date field.",
                        name=metric.name,
                    )
                )
            Model = self.env.get(metric.model_id.model)
            if Model is None or Model._abstract or Model._transient:
                raise ValidationError(
                    self.env._(
                        "The custom metric %(name)s: %(model)s cannot be measured.",
                        name=metric.name,
                        model=metric.model_id.model,
                    )
                )
            for field in (
                metric.date_field_id,
                metric.user_field_id,
                metric.team_field_id,
                metric.value_field_id,
            ):
                if field and field.model_id != metric.model_id:
                    raise ValidationError(
                        self.env._(
                            "The custom metric %(name)s: the field %(field)s is not a field "
                            "of %(model)s.",
                            name=metric.name,
                            field=field.name,
                            model=metric.model_id.model,
                        )
                    )
                if field and not Model._fields.get(field.name, False):
                    raise ValidationError(
                        self.env._(
                            "The custom metric %(name)s: the field %(field)s no longer exists.",
                            name=metric.name,
                            field=field.name,
                        )
                    )
            if metric.aggregate in ("sum", "avg") and not metric.value_field_id:
                raise ValidationError(
                    self.env._(
                        "The custom metric %(name)s sums or averages a field: choose it.",
                        name=metric.name,
                    )
                )
            metric._parse_domain(metric.domain, metric.model_id.model)

    def _parse_domain(self, text, model_name):
        """The domain in `text` for `model_name`, or a clear ValidationError."""
        try:
            domain = ast.literal_eval((text or "").strip() or "[]")
        except (ValueError, SyntaxError) as error:
            raise ValidationError(
                self.env._("The filter %(domain)s is not a valid domain.", domain=text)
            ) from error
        if not isinstance(domain, list | tuple):
            raise ValidationError(
                self.env._("The filter %(domain)s is not a list of conditions.", domain=text)
            )
        try:
            self.env[model_name].sudo().with_context(active_test=False)._search(domain)
        except (ValueError, KeyError, TypeError, AssertionError) as error:
            raise ValidationError(
                self.env._(
                    "The filter %(domain)s cannot be applied to %(model)s: %(error)s",
                    domain=text,
                    model=self.env["ir.model"]._get(model_name).name,
                    error=error,
                )
            ) from error
        return list(domain)

    # ------------------------------------------------------------ sources

    def _source_model(self):
        self.ensure_one()
        return {
            "leads_created": "crm.lead",
            "opportunities_created": "crm.lead",
            "opportunities_won": "crm.lead",
            "revenue_won": "crm.lead",
            "win_rate": "crm.lead",
            "loss_rate": "crm.lead",
            "average_deal_size": "crm.lead",
            "average_sales_cycle": "crm.lead",
            "new_customers": "sale.order",
            "customers_retained": "sale.order",
            "activities_done": "mail.message",
            "loyalty_points": "crm.loyalty.ledger",
        }.get(self.kind) or self.model_id.model

    def _is_cumulative(self):
        self.ensure_one()
        if self.kind == "custom":
            return self.aggregate in CUMULATIVE_AGGREGATES
        return self.kind not in (
            "win_rate",
            "loss_rate",
            "average_deal_size",
            "average_sales_cycle",
        )

    def _source_domain(self):
        """The ORM domain of the records this metric measures (before the goal's filter)."""
        self.ensure_one()
        kind = self.kind
        if kind == "opportunities_created":
            return [("type", "=", "opportunity")]
        if kind in ("opportunities_won", "revenue_won", "average_deal_size", "average_sales_cycle"):
            return list(WON)
        if kind in ("win_rate", "loss_rate"):
            return ["|", "&", *WON, "&", *LOST]
        if kind in ("new_customers", "customers_retained"):
            return [("state", "=", "sale")]
        if kind == "activities_done":
            return [("model", "=", "crm.lead"), ("mail_activity_type_id", "!=", False)]
        if kind == "loyalty_points":
            # posted entries that issue points; reversals are netted in `_source`
            return [
                ("state", "=", "posted"),
                ("origin_entry_id", "=", False),
                "|",
                ("entry_type", "in", ISSUING_ENTRY_TYPES),
                "&",
                ("entry_type", "=", "adjust"),
                ("points", ">", 0),
            ]
        if kind == "custom":
            return self._parse_domain(self.domain, self.model_id.model)
        return []

    def _user_is_partner(self):
        """Whether a salesperson's goal matches their partner rather than their user."""
        self.ensure_one()
        return self.kind == "activities_done"

    def _source(self, query, alias):
        """How to measure this metric on the records of `query` (table `alias`).

        Returns a dict of SQL expressions `date`, `user`, `team`,
        `company` (None when the owner type does not apply) and `value` (the
        aggregate over a goal's rows). Joins needed by the expressions are added
        to `query`.
        """
        self.ensure_one()
        kind = self.kind
        Model = self.env[self._source_model()]

        def col(fname):
            return Model._field_to_sql(alias, fname, query)

        src = {
            "user": col("user_id") if "user_id" in Model._fields else None,
            "team": col("team_id") if "team_id" in Model._fields else None,
            "company": col("company_id") if "company_id" in Model._fields else None,
            "value": SQL("COUNT(*)"),
        }
        if kind == "custom":
            src.update(
                date=col(self.date_field_id.name),
                user=col(self.user_field_id.name) if self.user_field_id else None,
                team=col(self.team_field_id.name) if self.team_field_id else None,
            )
            if self.aggregate in ("sum", "avg"):
                src["value"] = SQL(
                    "%s(%s)", SQL(self.aggregate.upper()), col(self.value_field_id.name)
                )
        elif Model._name == "crm.lead":
            src["date"] = col("date_closed")
            if kind == "leads_created":
                src["date"] = col("create_date")
            elif kind == "opportunities_created":
                src["date"] = SQL("COALESCE(%s, %s)", col("date_conversion"), col("create_date"))
            elif kind == "revenue_won":
                src["value"] = SQL("SUM(%s)", col("expected_revenue"))
            elif kind == "average_deal_size":
                src["value"] = SQL("AVG(%s)", col("expected_revenue"))
            elif kind == "average_sales_cycle":
                src["value"] = SQL("AVG(%s)", col("day_close"))
            elif kind == "win_rate":
                src.update(
                    value=SQL("100.0 * COUNT(*) FILTER (WHERE %s) / COUNT(*)", col("active")),
                )
            elif kind == "loss_rate":
                src.update(
                    value=SQL("100.0 * COUNT(*) FILTER (WHERE NOT %s) / COUNT(*)", col("active")),
                )
        elif kind in ("new_customers", "customers_retained"):
            partner = query.join(alias, "partner_id", "res_partner", "id", "partner")
            customer = SQL.identifier(partner, "commercial_partner_id")
            src.update(
                date=col("date_order"),
                value=SQL("COUNT(DISTINCT %s)", customer),
            )
            if kind == "new_customers":
                # the order is its customer's first confirmed one
                query.add_where(
                    SQL(
                        """NOT EXISTS (SELECT 1
                                         FROM sale_order first
                                         JOIN res_partner first_p ON first_p.id = first.partner_id
                                        WHERE first_p.commercial_partner_id = %s
                                          AND first.state = 'sale'
                                          AND (first.date_order, first.id) < (%s, %s))""",
                        customer,
                        col("date_order"),
                        col("id"),
                    )
                )
            else:
                # ...who also bought in the previous equivalent period
                query.add_where(
                    SQL(
                        """EXISTS (SELECT 1
                                     FROM sale_order prev
                                     JOIN res_partner prev_p ON prev_p.id = prev.partner_id
                                    WHERE prev_p.commercial_partner_id = %s
                                      AND prev.state = 'sale'
                                      AND prev.date_order >= g.prev_from
                                      AND prev.date_order < g.date_from)""",
                        customer,
                    )
                )
        elif kind == "activities_done":
            lead = query.make_alias(alias, "lead")
            query.add_join(
                "LEFT JOIN",
                lead,
                "crm_lead",
                SQL("%s = %s", SQL.identifier(lead, "id"), col("res_id")),
            )
            src.update(
                date=col("date"),
                # a user's activities are the ones they marked done: matched on their partner
                user=col("author_id"),
                team=SQL.identifier(lead, "team_id"),
                company=SQL.identifier(lead, "company_id"),
            )
        elif kind == "loyalty_points":
            # Points issued by the ledger, net of their reversals (a cancelled order's points
            # count for nothing), in the period of the issuing entry. A sales order's points
            # count for its salesperson and team; other points for the user who posted them.
            order = query.make_alias(alias, "order")
            query.add_join(
                "LEFT JOIN",
                order,
                "sale_order",
                SQL(
                    "%s = 'sale.order' AND %s = %s",
                    col("source_model"),
                    SQL.identifier(order, "id"),
                    col("source_id"),
                ),
            )
            reversed_points = SQL(
                """COALESCE((SELECT SUM(reversal.points)
                               FROM crm_loyalty_ledger reversal
                              WHERE reversal.origin_entry_id = %s
                                AND reversal.entry_type = 'reversal'
                                AND reversal.state = 'posted'), 0)""",
                col("id"),
            )
            src.update(
                date=col("date"),
                user=SQL("COALESCE(%s, %s)", SQL.identifier(order, "user_id"), col("user_id")),
                team=SQL.identifier(order, "team_id"),
                company=col("company_id"),
                value=SQL("SUM(%s + %s)", col("points"), reversed_points),
            )
        return src

    # ------------------------------------------------------------ values

    def _owner_types(self):
        """The owner types this metric can measure."""
        self.ensure_one()
        Model = self.env[self._source_model()]
        query = Model.sudo()._search([])
        src = self._source(query, query.table)
        return [key for key in ("user", "team", "company") if src[key] is not None]

    @api.model
    def _period_bounds(self, date_from, date_to):
        """(start, end, previous start) as datetimes: [start, end) covers the days
        from date_from to date_to inclusive; the previous equivalent period is
        [previous start, start)."""
        start = datetime.combine(date_from, time.min)
        end = datetime.combine(date_to, time.min) + timedelta(days=1)
        return start, end, start - (end - start)

    def _compute_values(self, rows):
        """{key: value} for `rows` = [(key, owner_type, owner_id, filter, date_from, date_to)].

        One SQL query per (owner type, filter) for all rows of this metric, computed
        as superuser over the owner's records (see the module's usage notes on access
        rights). Rows with no matching record get 0.
        """
        self.ensure_one()
        result = dict.fromkeys((row[0] for row in rows), 0.0)
        groups = {}
        for key, owner_type, owner_id, filter_text, date_from, date_to in rows:
            start, end, prev = self._period_bounds(date_from, date_to)
            groups.setdefault((owner_type, (filter_text or "").strip() or "[]"), []).append(
                (key, owner_id or 0, start, end, prev)
            )
        Model = self.env[self._source_model()].sudo().with_context(active_test=False)
        # the queries read joined tables (orders, partners, leads) the domain does not name
        self.env.flush_all()
        for (owner_type, filter_text), values in groups.items():
            domain = self._source_domain() + self._parse_domain(filter_text, Model._name)
            query = Model._search(domain)
            if query.is_empty():
                continue
            src = self._source(query, query.table)
            owner = src[owner_type]
            if owner is None:
                continue
            table = SQL(
                "(SELECT * FROM (VALUES %s) AS v(goal_key, owner, date_from, date_to, prev_from))",
                SQL(", ").join(
                    SQL("(%s, %s, %s::timestamp, %s::timestamp, %s::timestamp)", *value)
                    for value in values
                ),
            )
            # the owners and dates of all the goals bound the scan (and let PostgreSQL
            # use the owner's index when the goals are few, e.g. one user's)
            query.add_where(
                SQL(
                    "%s = ANY(%s) AND %s >= %s AND %s < %s",
                    owner,
                    sorted({value[1] for value in values}),
                    src["date"],
                    min(value[2] for value in values),
                    src["date"],
                    max(value[3] for value in values),
                )
            )
            query.add_join(
                "JOIN",
                "g",
                table,
                SQL(
                    "%s = g.owner AND %s >= g.date_from AND %s < g.date_to",
                    owner,
                    src["date"],
                    src["date"],
                ),
            )
            query.groupby = SQL("g.goal_key")
            self.env.cr.execute(query.select(SQL("g.goal_key"), src["value"]))
            for key, value in self.env.cr.fetchall():
                result[key] = float(value or 0.0)
        return result
