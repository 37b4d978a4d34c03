"""Let plain pytest import `crm_strategy.services` without loading the Odoo addon.

`crm_strategy/__init__.py` imports the Odoo models; the services never need them,
so register a bare package for `crm_strategy` before the tests import from it.
"""

import sys
import types
from pathlib import Path

ADDON_DIR = Path(__file__).resolve().parents[2]

if "crm_strategy" not in sys.modules:
    package = types.ModuleType("crm_strategy")
    package.__path__ = [str(ADDON_DIR)]
    sys.modules["crm_strategy"] = package
