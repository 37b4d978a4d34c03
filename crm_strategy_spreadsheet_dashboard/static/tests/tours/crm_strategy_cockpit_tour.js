/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const COMPANY_DASHBOARD = ".o_dashboard_name:contains('CRM Strategy'):not(:contains('My'))";
const MY_DASHBOARD = ".o_dashboard_name:contains('My CRM Strategy')";

/** The spreadsheet model of the dashboard on screen (the Dashboards app's component). */
function dashboardModel() {
    const nodes = [odoo.__WOWL_DEBUG__.root.__owl__];
    while (nodes.length) {
        const node = nodes.pop();
        const model = node.component.state?.activeDashboard?.model;
        if (model) {
            return model;
        }
        nodes.push(...Object.values(node.children));
    }
    throw new Error("no dashboard on screen");
}

/** Every cell the dashboard's sheet shows, pivots' spilled values included. */
function shownCells(model) {
    const sheetId = model.getters.getActiveSheetId();
    const zone = {
        left: 0,
        top: 0,
        right: model.getters.getNumberCols(sheetId) - 1,
        bottom: model.getters.getNumberRows(sheetId) - 1,
    };
    return model.getters.getEvaluatedCellsInZone(sheetId, zone);
}

/** Waits for the pivots to load, then checks the figures against the test's data. */
function checkFigures(shown, hidden) {
    return {
        content: `The dashboard shows ${shown} and not ${hidden}`,
        trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-grid canvas",
        async run() {
            const has = (numbers, value) => numbers.some((n) => Math.abs(n - value) < 0.005);
            let cells = [];
            let numbers = [];
            for (let i = 0; i < 50 && !shown.every((v) => has(numbers, v)); i++) {
                await new Promise((resolve) => setTimeout(resolve, 100));
                cells = shownCells(dashboardModel());
                numbers = cells.map((c) => c.value).filter((v) => typeof v === "number");
            }
            const missing = shown.filter((v) => !has(numbers, v));
            const leaked = hidden.filter((v) => has(numbers, v));
            if (missing.length || leaked.length) {
                throw new Error(`missing ${missing}, not the user's ${leaked}; shown: ${numbers}`);
            }
            // a pivot spilling into the next section, or any other formula error
            const errors = cells.filter((c) => c.type === "error").map((c) => c.value);
            if (errors.length) {
                throw new Error(`the dashboard shows errors: ${errors}`);
            }
        },
    };
}

// Starts in the Dashboards app (the test passes its URL); the test created a cohort of
// January 2025: a customer of nobody's (100) and one of the manager's (300), 14 earlier
// monthly cohorts of one customer of the manager's each (10), and refreshed their customer
// values (the manager's RFM section adds up to 540, the rep's to 100).
function cockpitSteps(dashboardName, revenuePerCustomer, shown, hidden) {
    return [
        {
            content: `Open the ${dashboardName} dashboard`,
            trigger: dashboardName,
            run: "click",
        },
        {
            content: "The spreadsheet is drawn",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-grid canvas",
        },
        checkFigures(shown, hidden),
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Go to CRM"),
        {
            trigger: 'button[data-menu-xmlid="crm_strategy.crm_strategy_menu"]',
            run: "click",
        },
        {
            content: "Open the cohorts the dashboard shows",
            trigger: 'a[data-menu-xmlid="crm_strategy.crm_retention_cohort_report_menu"]',
            run: "click",
        },
        {
            content: "The January 2025 cohort's first month: revenue per customer of the user's customers",
            trigger: `.o_pivot td.o_pivot_cell_value:contains('${revenuePerCustomer}')`,
        },
    ];
}

registry.category("web_tour.tours").add("crm_strategy_cockpit_manager_tour", {
    steps: () => [
        {
            content: "Managers have both dashboards",
            trigger: MY_DASHBOARD,
        },
        // 540: every customer's revenue; 250: the CAC (500 spent, 2 new customers)
        ...cockpitSteps(COMPANY_DASHBOARD, "200.00", [540, 250, 100], []),
    ],
});

registry.category("web_tour.tours").add("crm_strategy_cockpit_rep_tour", {
    steps: () => [
        {
            content: "Salespeople have their own dashboard, not the managers' one",
            trigger: MY_DASHBOARD,
            run() {
                const names = [...document.querySelectorAll(".o_dashboard_name")].map((el) =>
                    el.textContent.trim()
                );
                if (names.includes("CRM Strategy")) {
                    throw new Error(`a salesperson sees the managers' dashboard: ${names}`);
                }
            },
        },
        ...cockpitSteps(MY_DASHBOARD, "100.00", [100], [540, 300]),
    ],
});
