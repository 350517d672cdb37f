"""Stage 3, classifying commits into phases: trailers, path and message evidence by zone,
ties, content and repository-prior evidence, and evaluation against labelled commits."""
