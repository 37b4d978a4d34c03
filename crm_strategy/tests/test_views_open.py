"""Every screen opens: each window action of the addon, in each of its view modes, with its
default filters and group-bys, loaded the way the web client loads it, as a sales manager
and as a salesperson (own documents). Any server error fails the test."""

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo.tests import TransactionCase, tagged
from odoo.tools.safe_eval import datetime, safe_eval, time

from .common_security import StrategyDataMixin

RECORD_LIMIT = 80
MODES = ("list", "kanban", "form", "pivot", "graph", "calendar", "activity")


def _own_fields(node):
    """The <field> nodes under `node` that are not inside another <field> (a subview)."""
    for field in node.iter("field"):
        parent = field.getparent()
        while parent is not None and parent is not node and parent.tag != "field":
            parent = parent.getparent()
        if parent is node or parent is None:
            yield field


@tagged("post_install", "-at_install")
class TestViewsOpen(StrategyDataMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_strategy_data()
        data = cls.env["ir.model.data"].search(
            [
                ("model", "=", "ir.actions.act_window"),
                "|",
                ("module", "=", "crm_strategy"),
                ("module", "=like", "crm_strategy_%"),
            ]
        )
        cls.actions = cls.env["ir.actions.act_window"].browse(data.mapped("res_id")).exists()

    # ------------------------------------------------------------ what the client sends

    def _eval_context(self, user):
        today = datetime.date.today()
        return {
            "uid": user.id,
            "user": user,
            "active_id": False,
            "active_ids": [],
            "active_model": False,
            "allowed_company_ids": user.company_ids.ids,
            "current_company_id": user.company_id.id,
            "context_today": lambda: today,
            "current_date": today.isoformat(),
            "datetime": datetime,
            "relativedelta": relativedelta,
            "time": time,
        }

    def _spec(self, Model, node):
        """The fields specification the client builds from a view's arch."""
        spec = {}
        for field in _own_fields(node):
            name = field.get("name")
            if name not in Model._fields:
                continue
            definition = Model._fields[name]
            if definition.type == "many2one":
                spec[name] = {"fields": {"display_name": {}}}
            elif definition.type in ("one2many", "many2many"):
                comodel = self.env[definition.comodel_name].with_env(Model.env)
                subview = next((c for c in field if c.tag in ("list", "kanban", "form")), None)
                sub = self._spec(comodel, subview) if subview is not None else {}
                spec[name] = {"fields": sub or {"display_name": {}}, "limit": RECORD_LIMIT}
            else:
                spec[name] = {}
        return spec

    def _defaults(self, action, search_arch, user):
        """(domain, group-bys, context) the client starts with: the action's domain and
        context plus the search view's filters named by search_default_* keys."""
        eval_context = self._eval_context(user)
        context = safe_eval(action.context or "{}", eval_context)
        domain = list(safe_eval(action.domain or "[]", eval_context))
        group_bys = []
        filters = {f.get("name"): f for f in search_arch.iter("filter") if f.get("name")}
        for key, value in context.items():
            if not (key.startswith("search_default_") and value):
                continue
            node = filters.get(key[len("search_default_") :])
            if node is None:
                continue  # a field default: a plain value search
            if node.get("domain"):
                domain += safe_eval(node.get("domain"), eval_context)
            if node.get("context"):
                group_by = safe_eval(node.get("context"), eval_context).get("group_by")
                if group_by:
                    group_bys += [group_by] if isinstance(group_by, str) else list(group_by)
        return domain, group_bys, context

    # ------------------------------------------------------------ one view mode

    def _open(self, Model, mode, arch, domain, group_bys, context):
        fields = Model._fields
        if mode in ("list", "kanban", "calendar"):
            spec = self._spec(Model, arch)
            if mode == "kanban" and not group_bys and arch.get("default_group_by"):
                group_bys = [arch.get("default_group_by")]
            if mode != "calendar" and group_bys:
                aggregates = [
                    f"{f.get('name')}:{(f.get('sum') and 'sum') or 'avg'}"
                    for f in _own_fields(arch)
                    if f.get("sum") or f.get("avg")
                ]
                groups = Model.web_read_group(domain, aggregates, group_bys, lazy=True)
                if groups["groups"]:
                    domain = groups["groups"][0]["__domain"]
                progressbar = next(arch.iter("progressbar"), None)
                if mode == "kanban" and progressbar is not None:
                    Model.read_progress_bar(
                        domain,
                        group_bys[0],
                        {
                            "field": progressbar.get("field"),
                            "colors": safe_eval(progressbar.get("colors", "{}")),
                        },
                    )
            return Model.web_search_read(domain, spec, limit=RECORD_LIMIT)["records"]
        if mode == "pivot":
            rows = context.get("pivot_row_groupby") or [
                f.get("name") + (f":{f.get('interval')}" if f.get("interval") else "")
                for f in arch.iter("field")
                if f.get("type") == "row"
            ]
            cols = context.get("pivot_column_groupby") or [
                f.get("name") + (f":{f.get('interval')}" if f.get("interval") else "")
                for f in arch.iter("field")
                if f.get("type") == "col"
            ]
            measures = context.get("pivot_measures") or [
                f.get("name") for f in arch.iter("field") if f.get("type") == "measure"
            ]
            specs = ["__count"]
            for measure in measures:
                if measure == "__count":
                    continue
                field = fields[measure]
                aggregator = "count_distinct" if field.type == "many2one" else field.aggregator
                self.assertTrue(aggregator, f"pivot measure {measure} has no aggregator")
                specs.append(f"{measure}:{aggregator}")
            for group_by in ([], rows[:1], cols[:1], rows + cols):
                Model.read_group(domain, specs, group_by, lazy=False)
            return []
        if mode == "graph":
            group_by = context.get("graph_groupbys") or [
                f.get("name") + (f":{f.get('interval')}" if f.get("interval") else "")
                for f in arch.iter("field")
                if f.get("type") != "measure"
            ]
            measure = context.get("graph_measure") or next(
                (f.get("name") for f in arch.iter("field") if f.get("type") == "measure"),
                "__count",
            )
            specs = ["__count"]
            if measure != "__count":
                field = fields[measure]
                aggregator = "count_distinct" if field.type == "many2one" else field.aggregator
                self.assertTrue(aggregator, f"graph measure {measure} has no aggregator")
                specs.append(f"{measure}:{aggregator}")
            Model.with_context(fill_temporal=True).web_read_group(
                domain, specs, group_by + group_bys, lazy=False
            )
            return []
        if mode == "activity":
            self.env["mail.activity"].with_env(Model.env).get_activity_data(Model._name, domain)
            return []
        return []

    def _open_form(self, Model, arch, records):
        spec = self._spec(Model, arch)
        if Model.has_access("create"):
            Model.onchange({}, [], spec)
        if records:
            Model.browse(records[0]["id"]).web_read(spec)

    def _open_action(self, action, user):
        env = self.env(user=user)
        Model = env[action.res_model]
        if action.groups_id and not (action.groups_id & user.groups_id):
            return False
        if not Model.has_access("read"):
            return False
        modes = [mode for mode in action.view_mode.split(",") if mode in MODES]
        views = [(view_id, mode) for view_id, mode in action.views if mode in modes]
        views += [(action.search_view_id.id, "search")]
        result = Model.get_views(views, {"toolbar": True, "load_filters": True})
        search_arch = etree.fromstring(result["views"]["search"]["arch"])
        domain, group_bys, context = self._defaults(action, search_arch, user)
        Model = Model.with_context(
            **{k: v for k, v in context.items() if not k.startswith("search_default_")}
        )
        records = []
        for mode in modes:
            if mode == "form":
                continue
            arch = etree.fromstring(result["views"][mode]["arch"])
            records = self._open(Model, mode, arch, domain, group_bys, context) or records
        if "form" in modes:
            self._open_form(Model, etree.fromstring(result["views"]["form"]["arch"]), records)
        return True

    def _open_every_action(self, user):
        """Open every action `user` may use; return the xml ids of those opened."""
        opened = []
        for action in self.actions:
            for view_mode in action.view_mode.split(","):
                self.assertIn(view_mode, MODES, f"{action.xml_id}: unknown view mode")
            with (
                self.subTest(action=action.xml_id, user=user.login),
                self.env.cr.savepoint(),
            ):
                if self._open_action(action, user):
                    opened.append(action.xml_id)
                self.env.invalidate_all()
        return opened

    def test_every_action_opens_for_a_sales_manager(self):
        self.assertGreater(len(self.actions), 20)
        opened = self._open_every_action(self.manager)
        self.assertEqual(set(opened), set(self.actions.mapped("xml_id")))

    def test_every_action_a_salesperson_may_use_opens(self):
        opened = self._open_every_action(self.rep)
        self.assertIn("crm_strategy.crm_smart_goal_action", opened)
        self.assertGreater(len(opened), 15)
