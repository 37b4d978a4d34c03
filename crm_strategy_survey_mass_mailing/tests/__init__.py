from . import test_satisfaction_audience
