"""The discrete-event simulator: lanes advancing in virtual time over shared arrivals."""
