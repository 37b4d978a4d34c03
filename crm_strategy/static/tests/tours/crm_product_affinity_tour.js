/** @odoo-module */

import { registry } from "@web/core/registry";

// Starts on the customer's form (the test passes its URL).
registry.category("web_tour.tours").add("crm_product_affinity_tour", {
    steps: () => [
        {
            content: "Open the customer's preferences",
            trigger: ".o_notebook .nav-link:contains('Preferences')",
            run: "click",
        },
        {
            content: "The category the customer buys is listed",
            trigger: ".o_field_widget[name='category_share_ids'] .o_data_row:contains('X Coffee')",
        },
        {
            content: "The cross-sell suggestion: bought coffee, often also buys cups, never did",
            trigger:
                ".o_field_widget[name='crm_cross_sell_ids'] .o_data_row:contains('X Coffee'):contains('X Cups')",
        },
        {
            content: "Open the customer's opportunities",
            trigger: "button[name='action_view_opportunity']",
            run: "click",
        },
        {
            content: "Open the opportunity",
            trigger: ".o_kanban_record:contains('Coffee for the new shop')",
            run: "click",
        },
        {
            content: "Open its cross-sell tab",
            trigger: ".o_notebook .nav-link:contains('Cross-sell')",
            run: "click",
        },
        {
            content: "The same suggestion is on the opportunity",
            trigger:
                ".o_field_widget[name='crm_cross_sell_ids'] .o_data_row:contains('X Coffee'):contains('X Cups')",
        },
    ],
});
