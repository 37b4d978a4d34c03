from odoo.tests import tagged

from .common import CrmStrategyCase

FUNNEL_ORDER = ["lead", "mql", "sql", "opportunity", "customer"]


@tagged("post_install", "-at_install")
class TestLifecycleFunnelOrder(CrmStrategyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One lead that went as far as each stage: the funnel has a row per stage reached.
        cls.leads = cls.env["crm.lead"].create(
            [
                {"name": f"Reached {stage}", "email_from": f"{stage}@funnel.example"}
                for stage in FUNNEL_ORDER
            ]
        )
        cls.env.flush_all()
        for lead, stage in zip(cls.leads, FUNNEL_ORDER, strict=True):
            cls.env.cr.execute(
                "UPDATE crm_lead SET lifecycle_stage = %s, lifecycle_stage_max = %s WHERE id = %s",
                [stage, stage, lead.id],
            )
        cls.env.invalidate_all()
        cls.domain = [("lead_id", "in", cls.leads.ids)]

    def test_stages_follow_the_lifecycle_in_the_pivot(self):
        report = self.env["crm.lifecycle.funnel.report"]
        # What the pivot and graph views call, without and with an explicit order.
        groups = report.read_group(self.domain, ["__count"], ["stage"], lazy=False)
        self.assertEqual([g["stage"] for g in groups], FUNNEL_ORDER)
        self.assertEqual([g["__count"] for g in groups], [5, 4, 3, 2, 1])
        groups = report.read_group(self.domain, ["__count"], ["stage"], orderby="stage desc")
        self.assertEqual([g["stage"] for g in groups], FUNNEL_ORDER[::-1])

    def test_stages_follow_the_lifecycle_within_another_grouping(self):
        report = self.env["crm.lifecycle.funnel.report"]
        rows = report._read_group(self.domain, ["company_id", "stage"], ["__count"])
        self.assertEqual([stage for _company, stage, _count in rows], FUNNEL_ORDER)
