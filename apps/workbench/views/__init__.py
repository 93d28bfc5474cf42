"""The workbench pages, one module per area of daily work."""
