from . import engagement
