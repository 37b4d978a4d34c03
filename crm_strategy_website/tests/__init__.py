from . import test_website_engagement
from . import test_website_form
