#!/usr/bin/env node
// The `genelmm` command: committed with its run bit, so a rebuild of dist/ (which tsc writes without one)
// leaves the command runnable. The CLI itself is the built dist/src/cli/main.js, which runs on import.
import '../dist/src/cli/main.js';
