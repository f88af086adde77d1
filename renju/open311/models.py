"""Open311 GeoReport v2 keeps no state of its own beyond what it may add here."""
