"""A tiny async shop service with the bugs asyncheck exists to catch."""
