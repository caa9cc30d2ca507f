"""HTTP edge: web chat, health, error handling. HTTP statuses live here and nowhere deeper."""
