from . import engagement
from . import loyalty_portal
