/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Starts on the customer's form (the test passes its URL).
registry.category("web_tour.tours").add("crm_customer_value_tour", {
    steps: () => [
        {
            content: "Open the customer's value tab",
            trigger: ".o_notebook .nav-link:contains('Customer value')",
            run: "click",
        },
        {
            content: "The segment is shown",
            trigger: ".o_field_widget[name='rfm_segment_id']:contains('Loyal Customers')",
        },
        {
            content: "The R, F and M scores are shown as badges",
            trigger: "div[name='rfm_badges'] .badge:contains('F') .o_field_widget[name='rfm_f_score']:contains('5')",
        },
        {
            content: "No badge is cut off: each shows its letter and its whole score",
            trigger: "div[name='rfm_badges']",
            run() {
                const badges = [...this.anchor.querySelectorAll(".badge")];
                const cut = badges.filter((b) => b.scrollWidth > b.clientWidth + 1);
                if (badges.length !== 3 || cut.length) {
                    throw new Error(`RFM badges cut off: ${cut.map((b) => b.textContent)}`);
                }
            },
        },
        {
            content: "The lifetime value is shown",
            trigger: ".o_field_widget[name='clv_total']:not(:empty)",
        },
        {
            content: "The first classification shows since when the customer is in the segment",
            trigger: ".o_field_widget[name='rfm_segment_since']:contains('06/30/2025')",
        },
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Back to CRM"),
        {
            trigger: 'button[data-menu-xmlid="crm_strategy.crm_strategy_menu"]',
            run: "click",
        },
        {
            content: "Open the segment overview",
            trigger: 'a[data-menu-xmlid="crm_strategy.crm_rfm_segment_menu"]',
            run: "click",
        },
        {
            content: "The segment card counts its customers",
            trigger: ".o_kanban_record:contains('Loyal Customers'):contains('2 customers')",
            run: "click",
        },
        {
            content: "Clicking the card lists the segment's customers",
            trigger: ".o_list_view .o_data_row:contains('Cleo')",
        },
    ],
});
