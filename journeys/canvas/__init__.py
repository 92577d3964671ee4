"""The journey canvas page: a React Flow app (frontend_static/) served by Django."""
