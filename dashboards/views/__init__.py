"""The dashboard's pages and API routes, one module per view; each exposes `router`."""
