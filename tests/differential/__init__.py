"""LocalCVAT compared with a real CVAT: same requests, same answers.

See docs/internals/test-suite.md.
"""
