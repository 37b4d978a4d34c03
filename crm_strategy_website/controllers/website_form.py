from odoo.addons.website_crm.controllers.website_form import WebsiteForm


class WebsiteFormEngagement(WebsiteForm):
    def insert_record(self, request, model, values, custom, meta=None):
        result = super().insert_record(request, model, values, custom, meta=meta)
        if model.model == "crm.lead" and result:
            lead = request.env["crm.lead"].sudo().browse(result)
            lead._crm_form_submit_event(
                request.website,
                request.httprequest.referrer,
                request.env["website.visitor"]._get_visitor_from_request(),
            )
        return result
