"""Wire dialects as plug-ins: each package here exports one ``Dialect`` descriptor, and the
app, the CLI and the console iterate ``registry.installed`` (see ``descriptor.py``)."""
