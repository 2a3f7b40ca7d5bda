"""bingewatch."""
