/** @odoo-module */

import { registry } from "@web/core/registry";

// Starts on a detractor's form (the test passes its URL): the rep sees the
// answer and the call-back scheduled for them.
registry.category("web_tour.tours").add("crm_satisfaction_callback_tour", {
    steps: () => [
        {
            content: "The call-back is in the customer's planned activities",
            trigger: ".o-mail-Activity:contains('Call back: NPS 3'):contains('Sam Rep')",
        },
        {
            content: "Open the satisfaction tab",
            trigger: ".o_notebook .nav-link:contains('Satisfaction')",
            run: "click",
        },
        {
            content: "The customer is a detractor",
            trigger: ".o_field_widget[name='satisfaction_nps_class']:contains('Detractor')",
        },
        {
            content: "with the last score",
            trigger: ".o_field_widget[name='satisfaction_last_score']:contains('3')",
        },
        {
            content: "and the answer in the history",
            trigger: ".o_field_widget[name='satisfaction_response_ids'] .o_data_row:contains('Answered')",
        },
    ],
});
