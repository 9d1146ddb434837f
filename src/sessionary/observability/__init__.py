"""Observability: Prometheus metrics at ``/metrics`` and structured logs with request ids."""
