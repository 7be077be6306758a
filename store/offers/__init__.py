"""Giving first: the offers admins post, which accounts they suit best, and the seats accounts
reserve on them, from **Offer it** to **Delivered**."""
