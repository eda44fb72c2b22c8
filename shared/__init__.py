"""The Kesbang Platform's own library, imported by every service: settings, the CloudEvents
envelope and contracts, Kafka producer and consumer runner, the outbox, idempotent consumption,
MongoDB access, HTTP plumbing (health, metrics, problem+json, logs), auth and the region list."""
