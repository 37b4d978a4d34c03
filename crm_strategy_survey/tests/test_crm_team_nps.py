from datetime import datetime

from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCrmTeamNps(TransactionCase):
    """NPS = % promoters (9-10) - % detractors (0-6), per team and month, checked by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="nps_manager",
            name="Nora Manager",
            groups="sales_team.group_sale_manager",
        )
        Team = cls.env["crm.team"]
        cls.north = Team.create({"name": "North"})
        cls.south = Team.create({"name": "South"})
        customer = cls.env["res.partner"].create({"name": "Answering Customer"})
        answers = [
            # North, January: 2 promoters, 1 passive, 1 detractor of 4 -> 50% - 25% = 25
            (cls.north, "2026-01-05", 10),
            (cls.north, "2026-01-12", 9),
            (cls.north, "2026-01-20", 7),
            (cls.north, "2026-01-28", 3),
            # North, February: 1 promoter of 1 -> 100
            (cls.north, "2026-02-03", 9),
            # South, January: 1 promoter, 2 detractors of 3 -> 33.3% - 66.7% = -33.3
            (cls.south, "2026-01-09", 10),
            (cls.south, "2026-01-10", 6),
            (cls.south, "2026-01-11", 0),
        ]
        vals = [
            {
                "partner_id": customer.id,
                "kind": "nps",
                "state": "answered",
                "scored": True,
                "score": score,
                "team_id": team.id,
                "date_sent": datetime.fromisoformat(day),
                "date_answered": datetime.fromisoformat(day),
            }
            for team, day, score in answers
        ]
        # a sent, unanswered survey and a CSAT answer do not count in the NPS
        vals += [
            {"partner_id": customer.id, "kind": "nps", "team_id": cls.north.id},
            {
                "partner_id": customer.id,
                "kind": "csat",
                "state": "answered",
                "scored": True,
                "score": 1,
                "team_id": cls.north.id,
                "date_answered": datetime(2026, 1, 15),
            },
        ]
        cls.env["crm.satisfaction.response"].create(vals)

    def _nps(self, groupby):
        action = self.env.ref("crm_strategy_survey.crm_satisfaction_response_action_team_nps")
        self.assertEqual(action.context, "{'search_default_nps_answered': 1}")
        nps_answers = [("kind", "=", "nps"), ("state", "=", "answered"), ("scored", "=", True)]
        groups = (
            self.env["crm.satisfaction.response"]
            .with_user(self.manager)
            ._read_group(nps_answers, groupby, ["nps_value:avg", "__count"])
        )
        return {tuple(key): (round(nps, 1), count) for *key, nps, count in groups}

    def test_team_nps_by_month(self):
        nps = self._nps(["team_id", "date_answered:month"])
        self.assertEqual(nps[self.north, datetime(2026, 1, 1)], (25.0, 4))
        self.assertEqual(nps[self.north, datetime(2026, 2, 1)], (100.0, 1))
        self.assertEqual(nps[self.south, datetime(2026, 1, 1)], (-33.3, 3))

    def test_company_nps_by_month(self):
        nps = self._nps(["date_answered:month"])
        # January: 3 promoters, 1 passive, 3 detractors of 7 -> 0
        self.assertEqual(nps[datetime(2026, 1, 1),], (0.0, 7))
        self.assertEqual(nps[datetime(2026, 2, 1),], (100.0, 1))
