from . import controllers
from . import models
from . import report
from . import wizards


def uninstall_hook(env):
    """The ledger table goes with the module, its triggers with it; the trigger and hash
    functions are database objects of their own."""
    env.cr.execute(
        """DROP FUNCTION IF EXISTS crm_loyalty_ledger_guard() CASCADE;
           DROP FUNCTION IF EXISTS crm_loyalty_ledger_chain() CASCADE;
           DROP FUNCTION IF EXISTS crm_loyalty_ledger_hash(text, crm_loyalty_ledger) CASCADE;
           DROP INDEX IF EXISTS res_partner_crm_duplicate_name_trgm_idx"""
    )
