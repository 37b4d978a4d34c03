#!/usr/bin/env python3
"""Write the CRM Strategy cockpit spreadsheets of crm_strategy_spreadsheet_dashboard.

Usage: python3 tools/gen_cockpit_dashboard.py

The dashboards are spreadsheets shipped as data, like Odoo's own (spreadsheet_dashboard_sale):
one section per step of the strategy, each a title that opens the screen behind it and a
dynamic pivot (=PIVOT) on one of crm_strategy's models, so every figure opens the records
behind it and the record rules of the user who opens the dashboard apply. The managers'
dashboard adds acquisition cost (company figures, strategy managers only). The
satisfaction dashboard of crm_strategy_survey_dashboard (installed with the survey bridge)
shows the Net Promoter Score, the customers per NPS class and the surveys' response rate.
"""

import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILES = REPO / "crm_strategy_spreadsheet_dashboard/data/files"
SATISFACTION_FILES = REPO / "crm_strategy_survey_dashboard/data/files"

COHORTS = "Retention Cohorts: Still Buying (%)"
# title, model, row group-bys, column group-bys, measures, domain, views of the title link,
# managers only
SECTIONS = [
    (
        "Goals by Status",
        "crm.smart.goal",
        ["status"],
        [],
        ["__count", "progress"],
        [],
        ["kanban", "list", "pivot"],
        False,
    ),
    (
        "Buyer Personas: Pipeline",
        "crm.lead",
        ["persona_id"],
        [],
        ["__count", "expected_revenue"],
        [["type", "=", "opportunity"]],
        ["list", "pivot", "kanban"],
        False,
    ),
    (
        "Funnel Conversion by Stage",
        "crm.lifecycle.funnel.report",
        ["stage"],
        [],
        ["__count", "conversion"],
        [["disqualified", "=", False]],
        ["pivot", "graph"],
        False,
    ),
    (
        "RFM Segments and Lifetime Value",
        "crm.customer.value",
        ["segment_id"],
        [],
        ["__count", "monetary_total", "clv_total"],
        [],
        ["list", "pivot", "graph"],
        False,
    ),
    (
        "Acquisition Cost (CAC) and CLV:CAC by Source",
        "crm.acquisition.report",
        ["source_id"],
        [],
        ["spend", "new_customers", "cac", "clv_cac_ratio"],
        [],
        ["pivot", "graph", "list"],
        True,
    ),
    (
        COHORTS,
        "crm.customer.cohort",
        ["cohort_date:month:desc"],
        ["month_number"],
        ["still_buying"],
        # month 0 is 100 % by definition: months 1 to 6 say how the cohort holds up
        [["month_number", ">=", 1], ["month_number", "<=", 6]],
        ["pivot", "graph", "list"],
        False,
    ),
    (
        "Retention and Churn by Month",
        "crm.customer.cohort",
        ["date:month:desc"],
        [],
        ["last_month_buyers", "retention_rate", "churn_rate"],
        [["last_month_buyers", ">", 0]],
        ["pivot", "graph", "list"],
        False,
    ),
    (
        "Loyalty Economics by Tier",
        "crm.loyalty.economics.card.report",
        ["tier_id"],
        [],
        [
            "points",
            "liability",
            "points_issued",
            "points_redeemed",
            "points_expired",
            "redemption_rate",
            "active_members",
        ],
        [],
        ["pivot", "list", "graph"],
        False,
    ),
]
# the satisfaction dashboard: answered NPS surveys, customers' latest answers, invitations
SATISFACTION_SECTIONS = [
    (
        "Net Promoter Score by Month",
        "crm.satisfaction.response",
        ["date_answered:month:desc"],
        [],
        ["__count", "nps_value", "score"],
        [["kind", "=", "nps"], ["state", "=", "answered"], ["scored", "=", True]],
        ["pivot", "graph", "list"],
        False,
    ),
    (
        "Customers by NPS Class (Latest Answer)",
        "crm.satisfaction.response",
        ["nps_class"],
        [],
        ["__count"],
        [["kind", "=", "nps"], ["is_last", "=", True], ["nps_class", "!=", False]],
        ["pivot", "list", "graph"],
        False,
    ),
    (
        "Survey Response Rate by Month",
        "crm.satisfaction.response",
        ["date_sent:month:desc"],
        [],
        ["__count", "response_rate"],
        [],
        ["pivot", "graph", "list"],
        False,
    ),
]
# Each pivot shows at most this many rows (its total included, when it fits) and its section
# reserves room for them, so that no pivot spills into the next section (#SPILL!) whatever
# the data; rows ordered newest first (":desc") show the latest months.
MAX_ROWS = 13


def _group(spec):
    """ "field[:granularity[:order]]" as a pivot dimension."""
    name, granularity, order = (spec.split(":") + ["", ""])[:3]
    return {
        "fieldName": name,
        **({"granularity": granularity} if granularity else {}),
        **({"order": order} if order else {}),
    }


def _link(title, model, domain, views, rows, cols, measures):
    rows = [":".join(spec.split(":")[:2]) for spec in rows]  # the web client has no order
    action = {
        "domain": domain,
        "context": {
            "group_by": rows,
            "pivot_row_groupby": rows,
            "pivot_column_groupby": cols,
            "pivot_measures": measures,
        },
        "modelName": model,
        "views": [[False, view] for view in views] + [[False, "search"]],
    }
    target = json.dumps(
        {"viewType": views[0], "action": action, "threshold": 0, "name": title},
        separators=(",", ":"),
    )
    return f"[{title}](odoo://view/{target})"


def build(managers, sections=SECTIONS, title="CRM Strategy"):
    cells, styles, pivots, formats = {}, {}, {}, {}
    conditional = []
    cells["A1"] = {"content": f'=_t("{title}")'}
    styles["A1"] = 1
    row = 3
    pivot_id = 0
    for name, model, rows, cols, measures, domain, views, managers_only in sections:
        if managers_only and not managers:
            continue
        pivot_id += 1
        key = str(pivot_id)
        pivots[key] = {
            "type": "ODOO",
            "id": key,
            "formulaId": key,
            "name": name,
            "model": model,
            "domain": domain,
            "context": {},
            "measures": [{"id": m, "fieldName": m} for m in measures],
            "rows": [_group(r) for r in rows],
            "columns": [_group(c) for c in cols],
            "fieldMatching": {},
        }
        cells[f"A{row}"] = {"content": _link(name, model, domain, views, rows, cols, measures)}
        styles[f"A{row}"] = 2
        cells[f"A{row + 1}"] = {"content": f"=PIVOT({key},{MAX_ROWS})"}
        # the pivot's title row, a header row per column group-by and the measures' row
        height = 2 + len(cols) + MAX_ROWS
        if name == COHORTS:
            # heat map: white to green over the shares still buying
            conditional.append(
                {
                    "id": f"cohort-heatmap-{key}",
                    "ranges": [f"B{row + 3}:G{row + height}"],
                    "rule": {
                        "type": "ColorScaleRule",
                        "minimum": {"type": "value", "color": 16777215},
                        "maximum": {"type": "value", "color": 6211217},
                    },
                }
            )
        row += height + 2
    sheet = {
        "id": "sheet1",
        "name": "Dashboard",
        "colNumber": 10,
        "rowNumber": row + 2,
        "rows": {},
        "cols": {"0": {"size": 260}, **{str(i): {"size": 110} for i in range(1, 10)}},
        "merges": [],
        "cells": cells,
        "styles": styles,
        "formats": formats,
        "borders": {},
        "conditionalFormats": conditional,
        "figures": [],
        "tables": [],
        "areGridLinesVisible": False,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "dataValidationRules": [],
        "comments": {},
    }
    return {
        "version": 21,
        "sheets": [sheet],
        "styles": {
            "1": {"textColor": "#01666b", "bold": True, "fontSize": 16},
            "2": {"textColor": "#01666b", "bold": True, "fontSize": 12},
        },
        "formats": {},
        "borders": {},
        "revisionId": "START_REVISION",
        "uniqueFigureIds": True,
        "settings": {
            "locale": {
                "name": "English (US)",
                "code": "en_US",
                "thousandsSeparator": ",",
                "decimalSeparator": ".",
                "dateFormat": "mm/dd/yyyy",
                "timeFormat": "hh:mm:ss",
                "formulaArgSeparator": ",",
                "weekStart": 7,
            }
        },
        "pivots": pivots,
        "pivotNextId": pivot_id + 1,
        "customTableStyles": {},
        "odooVersion": 12,
        "globalFilters": [],
        "lists": {},
        "listNextId": 1,
        "chartOdooMenusReferences": {},
    }


def dashboards():
    """{path of a shipped JSON file: the spreadsheet it must hold}."""
    return {
        FILES / "crm_strategy_dashboard.json": build(True),
        FILES / "crm_strategy_my_dashboard.json": build(False),
        SATISFACTION_FILES / "crm_strategy_satisfaction_dashboard.json": build(
            False, SATISFACTION_SECTIONS, "Customer Satisfaction"
        ),
    }


def dump(data):
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main():
    for path, data in dashboards().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(data))
        print(path)


if __name__ == "__main__":
    main()
