"""The review queue: items the writer creates with flagged (and spot-checked) decisions,
leases, resolutions logged on the decision chain, notices, stats (`service.ReviewService` is
what the API and the console call); `webhooks/` brings outcomes back to portals."""
