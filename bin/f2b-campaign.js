#!/usr/bin/env -S node --max-semi-space-size=4
// Thin launcher: the program itself is the esbuild bundle (dist/, no node_modules at run time),
// so a Debian package and a git checkout run exactly the same code. The first line gives the main thread an 8 MB
// young generation (4 MB semi-spaces), which V8 takes only from node's command line and otherwise grows to 32 MB:
// the service under a flood of 200,000 addresses peaked ~270 -> ~245 MB with it, replay (whose main thread detects)
// ~177 -> ~143 MB on the benchmark's log (2 runs each, 2026-11-24); `parse` is ~3% slower and ~17 MB smaller
// (docs/packaging.md, "The unit").
import '../dist/f2b-campaign.mjs';
