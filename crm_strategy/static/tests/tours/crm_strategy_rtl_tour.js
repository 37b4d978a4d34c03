/** @odoo-module */

import { registry } from "@web/core/registry";

// A Persian (fa_IR) user: the persona form, then a customer's value tab (the test passes
// the persona's URL and the customer's id). The web client must lay both out right to left
// and show our labels from i18n/fa.po.
function assertRightToLeft(element, what) {
    const direction = getComputedStyle(element).direction;
    if (direction !== "rtl") {
        throw new Error(`${what} reads ${direction}, not right to left`);
    }
}

function assertRightOf(first, second, what) {
    // Right to left, what comes first in the document sits to the right.
    const a = first.getBoundingClientRect();
    const b = second.getBoundingClientRect();
    if (!(a.left > b.left)) {
        throw new Error(`${what}: the first item is not right of the second (${a.left} <= ${b.left})`);
    }
}

registry.category("web_tour.tours").add("crm_strategy_rtl_tour", {
    steps: () => [
        {
            content: "The web client runs right to left",
            trigger: "body.o_rtl .o_form_view",
            run() {
                assertRightToLeft(document.body, "the page");
                assertRightToLeft(document.querySelector(".o_form_sheet"), "the persona form");
            },
        },
        {
            content: "The persona form shows its Persian labels",
            // "Numbers", "Profile", "Demographics", "Behaviour & Playbook" in fa.po
            trigger: ".o_form_sheet .o_horizontal_separator:contains('آمار')",
        },
        {
            trigger: ".o_notebook .nav-link:contains('پروفایل')",
        },
        {
            content: "The notebook's first tab sits to the right of the next one",
            trigger: ".o_notebook .nav-link:contains('رفتار و راهنمای فروش')",
            run() {
                const tabs = [...document.querySelectorAll(".o_notebook .nav-link")];
                assertRightOf(tabs[0], tabs[1], "the persona form's tabs");
            },
        },
        {
            trigger: ".o_form_sheet .o_horizontal_separator:contains('جمعیت‌شناسی')",
        },
        {
            content: "Open the persona's customers",
            trigger: "button[name='action_view_customers']",
            run: "click",
        },
        {
            content: "Open the customer",
            trigger: ".o_data_row .o_data_cell:contains('Cleo'), .o_kanban_record:contains('Cleo')",
            run: "click",
        },
        {
            content: "Open the customer value tab (its Persian name)",
            trigger: ".o_notebook .nav-link:contains('ارزش مشتری')",
            run: "click",
        },
        {
            content: "The tab shows the segment in Persian",
            trigger: ".o_field_widget[name='rfm_segment_id']:contains('مشتریان وفادار')",
        },
        {
            content: "The value tab reads right to left: labels on the right of their values",
            trigger: ".o_inner_group:contains('ارزش طول عمر') .o_field_widget[name='clv_total']",
            run() {
                const group = this.anchor.closest(".o_inner_group");
                assertRightToLeft(group, "the customer value tab");
                const label = group.querySelector("label[for^='clv_total']");
                assertRightOf(label, this.anchor, "the lifetime value label and its value");
                const badges = [...document.querySelectorAll("div[name='rfm_badges'] .badge")];
                assertRightOf(badges[0], badges[1], "the R and F badges");
            },
        },
    ],
});
