"""Plain-Python core: entities, rules, errors and ports. Imports only the standard library."""
