from . import website_track
