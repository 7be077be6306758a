"""What every surface stands on: the desk and how listeners get it, Block Kit and modal builders,
the ids on screen, how a refusal or a failure is answered, the signed links, and the middleware
every payload goes through."""
