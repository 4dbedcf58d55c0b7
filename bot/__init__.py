"""The application: configuration, wiring, command line, services and the message catalogue."""
