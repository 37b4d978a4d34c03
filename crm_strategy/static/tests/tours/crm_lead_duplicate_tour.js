/** @odoo-module */

import { registry } from "@web/core/registry";

// A rep reviews the duplicate leads found overnight: merges a pair with the CRM's merge.
registry.category("web_tour.tours").add("crm_lead_duplicate_tour", {
    steps: () => [
        {
            trigger: 'button[data-menu-xmlid="crm_strategy.crm_strategy_menu"]',
            run: "click",
        },
        {
            content: "Open the duplicate leads",
            trigger: 'a[data-menu-xmlid="crm_strategy.crm_lead_duplicate_menu"]',
            run: "click",
        },
        {
            content: "The pair is listed with its reasons",
            trigger: ".o_data_row:contains('Lagoon Pools'):contains('same e-mail address')",
        },
        {
            content: "Merge it",
            trigger: ".o_data_row:contains('Lagoon Pools') button[name='action_merge']",
            run: "click",
        },
        {
            content: "The CRM's merge wizard opens on both leads",
            trigger: ".modal .o_field_widget[name='opportunity_ids'] .o_data_row:nth-child(2)",
        },
        {
            trigger: ".modal button[name='action_merge']",
            run: "click",
        },
        {
            content: "The merged opportunity opens",
            trigger: ".o_breadcrumb .active:contains('Lagoon Pools')",
        },
    ],
});
