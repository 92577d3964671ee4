"""The journey engine: claiming due enrollments, advancing them, writing them back."""
