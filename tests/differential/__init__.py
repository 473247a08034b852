"""LocalCVAT compared with a real CVAT: same requests, same answers (docs/testing.md)."""
