"""Kamtibmas: community policing engagement for Indonesian police units."""

__version__ = "0.1.0"
