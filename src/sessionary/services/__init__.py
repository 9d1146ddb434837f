"""Use cases: the only layer that opens and commits a unit of work."""
