"""Vendor dialects: each a mounted router with its own wire models and error bodies."""
