from odoo import api, fields, models


class CrmRfmSegmentMap(models.TransientModel):
    """Reshape several segments at once.

    Saving one segment at a time cannot move a cell from one segment to another:
    the first save leaves a gap or an overlap and is refused. Here every range is
    written first and the grid is checked once; a bad map is refused as a whole.
    """

    _name = "crm.rfm.segment.map"
    _description = "Edit RFM Segment Map"

    line_ids = fields.One2many("crm.rfm.segment.map.line", "map_id", "Segments")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "line_ids" in fields_list:
            segments = self.env["crm.rfm.segment"].search([])  # pylint: disable=no-search-all  # a dozen rows
            values["line_ids"] = [
                fields.Command.create(
                    {
                        "segment_id": s.id,
                        "r_min": s.r_min,
                        "r_max": s.r_max,
                        "f_min": s.f_min,
                        "f_max": s.f_max,
                    }
                )
                for s in segments
            ]
        return values

    def action_apply(self):
        self.ensure_one()
        Segment = self.env["crm.rfm.segment"]
        try:
            # All or nothing, even inside a larger transaction.
            with self.env.cr.savepoint(), Segment._grid_checked_once():
                for line in self.line_ids:
                    Segment.browse(line.segment_id.id).write(
                        {
                            "r_min": line.r_min,
                            "r_max": line.r_max,
                            "f_min": line.f_min,
                            "f_max": line.f_max,
                        }
                    )
        finally:
            Segment.invalidate_model()
        return {"type": "ir.actions.act_window_close"}


class CrmRfmSegmentMapLine(models.TransientModel):
    _name = "crm.rfm.segment.map.line"
    _description = "RFM Segment Map Line"

    map_id = fields.Many2one("crm.rfm.segment.map", required=True, ondelete="cascade")
    segment_id = fields.Many2one("crm.rfm.segment", required=True, ondelete="cascade")
    r_min = fields.Integer("Recency from", required=True)
    r_max = fields.Integer("Recency to", required=True)
    f_min = fields.Integer("Frequency from", required=True)
    f_max = fields.Integer("Frequency to", required=True)
