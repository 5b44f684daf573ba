"""Mail through an outbox (sent by the job queue, retried on failure) and in-app notifications."""
