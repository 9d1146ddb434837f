"""SpreadsheetWEB/Pagos application-level API: tokens, dedicated sessions (specs/pagos.md)."""
