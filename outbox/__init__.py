"""The alert lifecycle: claims as leases, outcomes, retries, pacing and the hold."""
