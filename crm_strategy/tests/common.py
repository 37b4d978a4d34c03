from odoo.tests import TransactionCase, new_test_user


def in_segment(segment):
    """The scores of a customer value row in `segment`'s cell: a customer's segment is the
    segment covering its (R, F) cell, not a column of its own."""
    return {"r_score": segment.r_min, "f_score": segment.f_min}


class CrmStrategyCase(TransactionCase):
    """Users every crm_strategy test needs: a rep, a sales manager, an outsider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env,
            login="strategy_rep",
            name="Rita Rep",
            groups="sales_team.group_sale_salesman",
        )
        cls.manager = new_test_user(
            cls.env,
            login="strategy_manager",
            name="Max Manager",
            groups="sales_team.group_sale_manager",
        )
        cls.outsider = new_test_user(
            cls.env,
            login="strategy_outsider",
            name="Otto Outsider",
            groups="base.group_user",
        )
