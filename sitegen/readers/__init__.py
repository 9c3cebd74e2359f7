"""Parse stage: find the source files and read each with the reader of its format."""
