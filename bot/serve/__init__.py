"""The `refdesk serve` process: the WSGI app in front of Bolt and the advocate's pages, Socket
Mode, and the checks a start makes before it serves."""
