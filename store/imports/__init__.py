"""CRM exports in: accounts, advocates and opportunities from CSV, checked row by row, each file in
one transaction."""
