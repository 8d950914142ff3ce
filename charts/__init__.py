"""Price-history charts: rendered as small PNGs, stored for every instance to serve."""
