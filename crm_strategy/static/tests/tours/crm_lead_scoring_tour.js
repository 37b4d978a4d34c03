/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_lead_scoring_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            content: "Open the Strategy menu",
            trigger: 'button[data-menu-xmlid="crm_strategy.crm_strategy_menu"]',
            run: "click",
        },
        {
            content: "Open the leads ranked by score",
            trigger: 'a[data-menu-xmlid="crm_strategy.crm_lead_hot_menu"]',
            run: "click",
        },
        {
            content: "The hot lead is listed with its score",
            trigger: '.o_list_view .o_data_row:contains("Tour Hot Lead") .o_data_cell[name="score"]:contains("80")',
        },
        {
            content: "Open the lead",
            trigger: '.o_list_view .o_data_cell:contains("Tour Hot Lead")',
            run: "click",
        },
        {
            content: "Open the Lead Scoring tab",
            trigger: '.o_notebook a[name="lead_scoring"]',
            run: "click",
        },
        {
            content: "The explanation names the engagement rule and its points",
            trigger: '.o_crm_score_explanation tr:contains("Pricing page"):contains("+30.0")',
        },
        {
            content: "... and the fit rule",
            trigger: '.o_crm_score_explanation tr:contains("Target company"):contains("+50.0")',
        },
        {
            content: "The stage reached by the score is shown",
            trigger: '.o_field_widget[name="lifecycle_stage"]:contains("Sales Qualified")',
        },
    ],
});
