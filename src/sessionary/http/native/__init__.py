"""The native REST API, mounted at /v1."""
