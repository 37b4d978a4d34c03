/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const COMPANY_DASHBOARD = ".o_dashboard_name:contains('CRM Strategy'):not(:contains('My'))";
const MY_DASHBOARD = ".o_dashboard_name:contains('My CRM Strategy')";

// Starts in the Dashboards app (the test passes its URL); the test created a cohort of
// January 2025: a customer of nobody's (100) and one of the manager's (300).
function cockpitSteps(dashboardName, revenuePerCustomer) {
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
        ...cockpitSteps(COMPANY_DASHBOARD, "200.00"),
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
        ...cockpitSteps(MY_DASHBOARD, "100.00"),
    ],
});
