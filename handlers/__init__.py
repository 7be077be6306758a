"""The Slack surface and the advocate's web pages: payloads and pages in, one store call each, Block
Kit and HTML out. `surfaces` wires the Slack side, `routes` says how each delivery kind is sent."""
