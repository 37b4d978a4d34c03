"""Pure-Python computations (numpy/scipy, no odoo import), tested with plain pytest."""
