"""Storage: the schema, migrations and every query the service makes."""
