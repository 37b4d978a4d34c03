"""Reading a shipped dashboard's pivots the way the Dashboards app does, for the tests of
every dashboard (this addon's and crm_strategy_survey_dashboard's)."""

import json


def dashboard_pivots(dashboard):
    """The pivot definitions of a spreadsheet dashboard, in their order."""
    return json.loads(dashboard.spreadsheet_data)["pivots"].values()


def read_pivot(env, pivot, user, extra_domain=(), extra_measures=()):
    """The pivot's figures as `user` (record rules apply), grouped by its row group-bys:
    one read_group with the pivot's domain and measures, each with its field's aggregator."""
    Model = env[pivot["model"]].with_user(user)
    measures = [
        "__count" if name == "__count" else f"{name}:{Model._fields[name].aggregator}"
        for name in [m["fieldName"] for m in pivot["measures"]] + list(extra_measures)
    ]
    rows = [
        f"{g['fieldName']}:{g['granularity']}" if g.get("granularity") else g["fieldName"]
        for g in pivot["rows"]
    ]
    return Model.read_group(pivot["domain"] + list(extra_domain), measures, rows, lazy=False)
