"""Evidence (product.md flows 23–26): a customer's own words — a quote, a figure, a case study, a
link — usable only once their advocate approved the exact text, where it may be used, how they are
named and until when; the library that ranks them for a deal; each use; renewal and withdrawal.

Using evidence never touches the ledger: words the customer already gave spend none of their time.
"""
