"""Use cases: what handlers, the scheduler and the command line ask the system to do."""
