"""Shared API machinery: id pattern, request checks, error shape, pagination, the router."""
