"""The operations. Each is one function, one transaction, one permission check, one event."""
