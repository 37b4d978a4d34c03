from . import test_mailing_engagement
from . import test_mailing_audience
