import odoo.http

from . import test_crm_strategy_security
from . import test_crm_strategy_tour
from . import test_crm_persona
from . import test_lead_scoring
from . import test_engagement_endpoint
from . import test_engagement_fuzz
from . import test_crm_scoring_integration
from . import test_lead_scoring_tour
from . import test_customer_value_cdnow
from . import test_clv_fit_at_scale
from . import test_customer_value
from . import test_customer_segment
from . import test_customer_value_tour
from . import test_crm_loyalty_ledger
from . import test_crm_loyalty_sale
from . import test_crm_loyalty_expiry
from . import test_crm_loyalty_tier
from . import test_crm_loyalty_concurrency
from . import test_crm_loyalty_tour
from . import test_crm_loyalty_statement
from . import test_crm_smart_goal
from . import test_crm_smart_goal_tour
from . import test_crm_loyalty_trust
from . import test_crm_loyalty_tamper
from . import test_security_rpc
from . import test_views_open
from . import test_crm_strategy_replica
from . import test_demo_generator
from . import test_crm_lifecycle_funnel_report
from . import test_crm_strategy_rtl_tour
from . import test_crm_acquisition
from . import test_crm_retention
from . import test_crm_loyalty_economics
from . import test_crm_profiling_consent
from . import test_crm_rfm_segment_offer
from . import test_crm_lost_deal_report
from . import test_crm_buying_archetype
from . import test_crm_partner_duplicate
from . import test_crm_lead_duplicate
from . import test_crm_lead_duplicate_tour
from . import test_crm_contact_standardize
from . import test_crm_partner_duplicate_tour
from . import test_crm_customer_category_share
from . import test_crm_product_affinity
from . import test_crm_product_affinity_tour
from . import test_crm_automated_email
from . import test_crm_customer_month

# Build the web server's static-file map now, in the test loader's single thread, before
# any tour: it parses every manifest, and Python 3.11's AST parser is not thread-safe
# (CPython issue 106905), so a browser's first concurrent requests could fail with
# "SystemError: AST constructor recursion depth mismatch" (seen in our dashboard tour).
odoo.http.root.statics  # noqa: B018  # pylint: disable=pointless-statement
