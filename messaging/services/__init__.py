"""Writes of messaging, one module per concern: `membership` (conversations follow their source), `sending`
(messages), `safeguarding` (danger signs and reports), `sockets` (channel-layer events, open sockets, presence)
and `outbox` (notices to offline members). Import from the module that holds the function."""
