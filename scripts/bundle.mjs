// Bundles the program into dist/f2b-campaign.mjs and replay's parser thread into dist/f2b-campaign-parser.mjs, with
// the code they load as they need it in dist/chunks/ (Node 18.19): see scripts/bundle-options.mjs.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { bundleOptions } from './bundle-options.mjs';

// Chunk names carry a hash of their content: the last build's would stay beside the new ones, and be packaged.
rmSync('dist/chunks', { recursive: true, force: true });
await build({ ...bundleOptions('dist/f2b-campaign.mjs'), sourcemap: 'linked' });
