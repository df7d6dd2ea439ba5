"""Routers: one protocol, many families."""
