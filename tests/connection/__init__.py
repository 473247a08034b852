"""Tests of the connection layer (client, transport, registry)."""
