"""Tests of the models layer (fields, dirty tracking, save/refresh/delete, relations)."""
