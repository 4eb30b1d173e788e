"""The office's workbench: list, detail and edit pages for the API's records, from one registry."""
