"""``sitegen serve``: build, serve on localhost, and render again only what a change needs."""
