"""A customer's segment is the segment covering its (R, F) cell, under any segment map.

Property-based: hypothesis draws segment maps (the grid cut into rectangles, each given to a
segment, the other segments archived) and sets of segments; reading, searching and grouping
the segment must all agree with an oracle written here in Python, for a customer in each of
the 25 cells. Derandomized: the same maps every run.
"""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from .common import CrmStrategyCase

SCORES = range(1, 6)
MAP_SETTINGS = {
    "max_examples": 40,
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow],
}
# Cuts of the R and F ranges (a cut at 3: 1-2 and 3-5), at most 11 rectangles: one per segment.
cuts = st.sets(st.integers(2, 5), max_size=3)
segment_maps = st.tuples(cuts, cuts).filter(lambda c: (len(c[0]) + 1) * (len(c[1]) + 1) <= 11)


def ranges(cut_points):
    bounds = [1, *sorted(cut_points), 6]
    return [(low, high - 1) for low, high in itertools.pairwise(bounds)]


@tagged("post_install", "-at_install")
class TestCustomerSegment(CrmStrategyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Segment = cls.env["crm.rfm.segment"]
        cls.segments = cls.Segment.search([])
        partners = cls.env["res.partner"].create(
            [{"name": f"Cell R{r} F{f}"} for r in SCORES for f in SCORES]
        )
        cells = [(r, f) for r in SCORES for f in SCORES]
        company = cls.env.company.id
        cls.values = cls.env["crm.customer.value"].create(
            [
                {"partner_id": partner.id, "company_id": company, "r_score": r, "f_score": f}
                for partner, (r, f) in zip(partners, cells, strict=True)
            ]
        )

    def _apply_map(self, r_cuts, f_cuts):
        """Give each rectangle of the cut grid to one segment, archive the others; return
        the oracle: the segment of each cell."""
        rectangles = [(r, f) for r in ranges(r_cuts) for f in ranges(f_cuts)]
        used = self.segments[: len(rectangles)]
        oracle = {}
        with self.Segment._grid_checked_once():
            # archived first: an active leftover would overlap the new rectangles
            (self.segments - used).write({"active": False})
            for segment, ((r_min, r_max), (f_min, f_max)) in zip(used, rectangles, strict=True):
                segment.write(
                    {"active": True, "r_min": r_min, "r_max": r_max, "f_min": f_min, "f_max": f_max}
                )
                for r in range(r_min, r_max + 1):
                    for f in range(f_min, f_max + 1):
                        oracle[r, f] = segment
        return used, oracle

    @settings(**MAP_SETTINGS)
    @given(segment_maps, st.data())
    def test_read_search_and_group_agree_with_the_map(self, cut_points, data):
        used, oracle = self._apply_map(*cut_points)
        Value = self.env["crm.customer.value"]
        expected = {value: oracle[value.r_score, value.f_score] for value in self.values}
        self.assertEqual({value: value.segment_id for value in self.values}, expected)

        chosen = self.Segment.browse(
            data.draw(st.sets(st.sampled_from(used.ids), max_size=len(used)), label="segments")
        )
        mine = [("id", "in", self.values.ids)]
        inside = self.values.filtered(lambda value: expected[value] in chosen)
        self.assertEqual(Value.search([*mine, ("segment_id", "in", chosen.ids)]), inside)
        self.assertEqual(
            Value.search([*mine, ("segment_id", "not in", chosen.ids)]), self.values - inside
        )
        names = chosen.mapped("name")
        self.assertEqual(Value.search([*mine, ("segment_id", "in", names)]), inside)

        counts = dict(Value._read_group(mine, ["segment_id"], ["__count"]))
        self.assertEqual(
            counts,
            {segment: list(expected.values()).count(segment) for segment in used},
        )
        partners = self.env["res.partner"].search(
            [("id", "in", self.values.partner_id.ids), ("rfm_segment_id", "in", chosen.ids)]
        )
        self.assertEqual(partners, inside.partner_id)
