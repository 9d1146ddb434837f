"""sessionary: one engine for the whole life of a session."""

__version__ = "0.1.0"
