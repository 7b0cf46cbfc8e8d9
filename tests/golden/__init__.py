"""Golden files of stored events, the script that writes them, and the schema inventory."""
