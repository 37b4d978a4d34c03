"""Nightly jobs that refresh one company per call.

A company's refresh must see all of its customers at once (a fit, a set of rules), so the job
cannot split a company; it refreshes the next company after the one stored under
``position_key`` and reports progress, and Odoo 18 calls it again while companies remain.
"""


def refresh_next_company(env, position_key, refresh):
    """Call ``refresh(company)`` (as superuser) for the company after the stored position."""
    params = env["ir.config_parameter"].sudo()
    last_id = int(params.get_param(position_key) or 0)
    companies = env["res.company"].sudo().search([("id", ">", last_id)], order="id")
    if not companies:
        params.set_param(position_key, 0)
        env["ir.cron"]._notify_progress(done=0, remaining=0)
        return
    company = companies[0]
    refresh(company)
    remaining = len(companies) - 1
    params.set_param(position_key, company.id if remaining else 0)
    env["ir.cron"]._notify_progress(done=1, remaining=remaining)
