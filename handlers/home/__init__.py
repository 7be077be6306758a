"""The App Home tab: decisions waiting, open requests, balances, and what to give first."""
