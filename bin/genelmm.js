#!/usr/bin/env node
// The `genelmm` command: committed with its run bit, so a rebuild of dist/ (which the build writes without one)
// leaves the command runnable. The CLI itself is dist/bundle/genelmm.js, dist/src/cli/main.js bundled with its
// dependencies (rolldown.config.mjs), which runs on import.
import '../dist/bundle/genelmm.js';
