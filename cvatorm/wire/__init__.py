"""CVAT's wire format: URLs, list query parameters, JSON Logic, server capabilities.

This package is the only place in the client that knows how CVAT spells things on the wire.
"""
