/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_persona_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            trigger: 'button[data-menu-xmlid="crm_strategy.crm_strategy_menu"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="crm_strategy.crm_persona_menu"]',
            run: "click",
        },
        {
            content: "Create a persona",
            trigger: ".o_control_panel .o-kanban-button-new",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='name'] input",
            run: "edit Hesitant Homeowner",
        },
        {
            content: "Open the playbook tab",
            trigger: ".o_notebook .nav-link:contains('Behaviour')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='archetype_id'] input",
            run: "edit Hesitant",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Hesitant')",
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "Go to the pipeline",
            trigger: 'button[data-menu-xmlid="crm.crm_menu_sales"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="crm.menu_crm_opportunities"]',
            run: "click",
        },
        {
            content: "Open the lead",
            trigger: ".o_kanban_record:contains('Tour Kitchen Renovation')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='persona_id'] input",
            run: "edit Hesitant Home",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Hesitant Homeowner')",
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "Back to the pipeline",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            content: "The persona shows on the lead's kanban card",
            trigger:
                ".o_kanban_record:contains('Tour Kitchen Renovation') .o_crm_persona:contains('Hesitant Homeowner')",
        },
    ],
});
