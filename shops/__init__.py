"""Shop product pages: reading a page's price (pure) and fetching pages politely (I/O)."""
