"""`refdesk`, the command line: the parser (`main`) and one module per group of sub-commands."""
