"""What every long-running `refdesk` process shares: its life (started, draining, stopped) and the
signals that end it, the probes and metrics it answers, its HTTP server's orderly stop, its heap
frozen once built (`heap`), and (a worker) its lower CPU priority."""
