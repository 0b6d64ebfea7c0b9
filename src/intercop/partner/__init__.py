"""The partner API's core: signals partners report, and deliveries they fetch (pull)."""
