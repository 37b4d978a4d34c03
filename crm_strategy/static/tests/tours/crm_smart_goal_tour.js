/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_smart_goal_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            trigger: 'button[data-menu-xmlid="crm_strategy.crm_strategy_menu"]',
            run: "click",
        },
        {
            content: "Open My Goals",
            trigger: 'a[data-menu-xmlid="crm_strategy.crm_smart_goal_my_menu"]',
            run: "click",
        },
        {
            content: "The goal's card shows its progress: 3 of 20 leads",
            trigger:
                ".o_kanban_view .o_kanban_record:contains('Tour: 20 new leads per month') .o_goal_percent:contains('15%')",
        },
        {
            content: "The progress bar is drawn in the colour of the goal's status",
            trigger:
                ".o_kanban_record:contains('Tour: 20 new leads per month') .o_goal_progress .progress-bar[style*='width: 15%']",
        },
        {
            content: "Open the goal",
            trigger: ".o_kanban_record:contains('Tour: 20 new leads per month')",
            run: "click",
        },
        {
            content: "The form shows the five SMART letters",
            trigger: ".o_form_view .o_horizontal_separator:contains('T · Time-bound')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='current_value']:contains('3')",
        },
    ],
});
