"""(stage package; see docs/architecture.md)"""
