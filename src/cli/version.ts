/**
 * The program's version, printed by `f2b-campaign --version`. The bundle cannot read package.json at run time (the
 * Debian package ships the bundle alone) and the build defines nothing: test/cli/robustness.test.ts keeps this
 * equal to package.json's version.
 */
export const VERSION = '0.1.0';
