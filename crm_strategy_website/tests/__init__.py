from . import test_website_engagement
