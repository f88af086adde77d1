"""Official documents and report spreadsheets: notice slips, supervision notices, the weekly dispatch report (and the
monthly bulletin and annual evaluation through the same registry). Reads problems, plans and assessment; nothing
below imports it."""
