"""The command line's shared machinery: one error wrapper for every command, global options, and commands small
enough to live outside runner.py (explain, snooze, retention, audit export)."""
