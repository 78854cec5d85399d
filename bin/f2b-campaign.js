#!/usr/bin/env node
// Thin launcher: the program itself is the esbuild bundle (one file, no node_modules at run time),
// so a Debian package and a git checkout run exactly the same code.
import '../dist/f2b-campaign.mjs';
