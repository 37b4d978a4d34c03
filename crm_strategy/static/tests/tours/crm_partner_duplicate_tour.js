/** @odoo-module */

import { registry } from "@web/core/registry";

// A rep reviews the duplicate contacts found overnight: merges a pair, dismisses another.
registry.category("web_tour.tours").add("crm_partner_duplicate_tour", {
    steps: () => [
        {
            trigger: 'button[data-menu-xmlid="crm_strategy.crm_strategy_menu"]',
            run: "click",
        },
        {
            content: "Open the duplicate contacts",
            trigger: 'a[data-menu-xmlid="crm_strategy.crm_partner_duplicate_menu"]',
            run: "click",
        },
        {
            content: "Finding duplicates is for managers (nightly for everyone else)",
            trigger: ".o_list_view:not(:has(button:contains('Find Duplicates')))",
        },
        {
            content: "The pair is listed with its reasons",
            trigger: ".o_data_row:contains('Tourmaline Bakery'):contains('same e-mail address')",
        },
        {
            content: "Another pair, found by phone",
            trigger: ".o_data_row:contains('Gwendolyn Tourneur'):contains('same phone number')",
        },
        {
            content: "It is not a duplicate",
            trigger: ".o_data_row:contains('Gwendolyn Tourneur') button[name='action_dismiss']",
            run: "click",
        },
        {
            content: "The dismissed pair leaves the list to review",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Gwendolyn Tourneur')))",
        },
        {
            content: "Merge the bakery pair",
            trigger: ".o_data_row:contains('Tourmaline Bakery') button[name='action_merge']",
            run: "click",
        },
        {
            content: "Odoo's merge wizard opens on both contacts",
            trigger: ".modal .o_field_widget[name='partner_ids'] .o_data_row:nth-child(2)",
        },
        {
            trigger: ".modal button[name='action_merge']",
            run: "click",
        },
        {
            content: "Odoo's wizard says it is done",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "The merged pair is gone",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tourmaline Bakery')))",
        },
    ],
});
