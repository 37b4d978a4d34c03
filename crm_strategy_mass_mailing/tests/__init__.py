from . import test_mailing_engagement
