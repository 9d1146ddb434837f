"""HTTP: the native /v1 API, the vendor dialects and the admin console (Litestar)."""
