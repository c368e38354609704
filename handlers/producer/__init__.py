"""The producer's side: applying, the catalog, offers, digests and the handover at the pickup."""
