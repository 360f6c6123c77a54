"""The REST API of lessons and what hangs off them, one module per resource group."""
