"""Sentinel agents: one folder per watched Odoo queue; shared machinery in _core."""
