"""The operator tool for a fleet of kiosks: a TUF repository of signed remote content.

``python -m fleet init|publish|rollout|rollback|rotate-keys|refresh|status`` (docs/operations.md).
"""
