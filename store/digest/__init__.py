"""What the program channel reads each week: the figures, the fairness part and its chart, what
references did for revenue, and the claims that make each go out once."""
