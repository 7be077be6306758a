"""The weekly digest in the program channel: its figures, the fairness part and its chart, and what
references did for revenue (also `refdesk report`'s words)."""
