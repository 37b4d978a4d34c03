/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_loyalty_history_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            trigger: 'button[data-menu-xmlid="crm_strategy.crm_strategy_menu"]',
            run: "click",
        },
        {
            content: "Open the loyalty cards",
            trigger: 'a[data-menu-xmlid="crm_strategy.crm_loyalty_card_menu"]',
            run: "click",
        },
        {
            content: "Open the customer's card",
            trigger: ".o_list_view .o_data_row td:contains('Tour Tessa')",
            run: "click",
        },
        {
            content: "The card shows the customer's tier",
            trigger: ".o_field_widget[name='crm_tier_id']:contains('Gold')",
        },
        {
            content: "Open the points history",
            trigger: ".o_notebook .nav-link:contains('Points History')",
            run: "click",
        },
        {
            content: "Earned points are listed with their order",
            trigger: ".o_field_widget[name='crm_ledger_ids'] .o_data_row:contains('Welcome gift')",
        },
        {
            content: "Redeemed points too",
            trigger: ".o_field_widget[name='crm_ledger_ids'] .o_data_row:contains('Espresso cup')",
        },
        {
            content: "Request an adjustment",
            trigger: "button:contains('Adjust Points')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='points'] input",
            run: "edit 15",
        },
        {
            trigger: ".modal .o_field_widget[name='reason'] input",
            run: "edit Late delivery goodwill",
        },
        {
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "The adjustment is in the history",
            trigger:
                ".o_field_widget[name='crm_ledger_ids'] .o_data_row:contains('Late delivery goodwill')",
        },
        {
            content: "And in the balance",
            trigger: ".o_field_widget[name='points_display']:contains('95')",
        },
    ],
});
