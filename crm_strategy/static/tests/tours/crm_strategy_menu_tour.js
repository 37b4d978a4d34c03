/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_strategy_menu_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            content: "Open the Strategy menu",
            trigger: 'button[data-menu-xmlid="crm_strategy.crm_strategy_menu"]',
            run: "click",
        },
        {
            content: "Open Buyer Personas",
            trigger: 'a[data-menu-xmlid="crm_strategy.crm_persona_menu"]',
            run: "click",
        },
        {
            content: "The rep sees the personas gallery",
            trigger: '.o_kanban_view .o_kanban_record:contains("Tour Persona")',
        },
    ],
});
