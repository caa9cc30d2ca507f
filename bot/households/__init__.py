"""The household ledger (分户台账): the county's per-household facts imported from XLSX or CSV, their change
history, the residents bound to a household, what a bound resident reads of their own file (files, estimate,
payments) and the staff view of one household (issue 14)."""
