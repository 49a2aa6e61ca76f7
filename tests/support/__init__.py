"""What the tests share: helper modules, the stores they build, and the child processes the
fault, lock and network tests start (run as scripts, so they import nothing from here)."""
