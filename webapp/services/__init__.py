"""Use cases. Services take the session, change it, may flush, and raise domain errors; they never commit,
flash or redirect: the view or command commits once per use case."""
