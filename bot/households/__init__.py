"""The household ledger (分户台账): the county's per-household facts imported from XLSX or CSV, their change
history, and (later) the residents bound to a household (issue 14)."""
