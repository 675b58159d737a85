"""Outcomes to portals: signed webhooks.

Events (`decision.created` for flag/reject, `decision.superseded`, `review.resolved`) are
written to the `webhook_outbox` table in the same transaction as what caused them
(`outbox`); a `Dispatcher` in every worker claims due rows, POSTs them signed (`signing`)
to the portal's endpoint (`endpoints`), retries with exponential backoff and jitter, and
dead-letters an event after the configured number of tries (`deliveries` lists and
redelivers them).
"""
