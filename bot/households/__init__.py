"""The household ledger (分户台账): the county's per-household facts imported from XLSX or CSV, their change
history, the residents bound to a household (issue 14), what a bound resident reads of their own file (files, estimate,
payments), the staff view of one household, and 阳光征收 (point 4): the projects the districts belong to
(projects), what each has published (publications), the published per-household results (results) and who may read
them (access, result_links), and the signing progress on /stats (progress)."""
