"""Test-only stand-ins that sit on the wire beside the sandbox (never imported by the product)."""
