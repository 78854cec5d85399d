// Bundles the program into dist/f2b-campaign.mjs and replay's parser thread into dist/f2b-campaign-parser.mjs (Node
// 18.19): see scripts/bundle-options.mjs.
import { build } from 'esbuild';
import { bundleOptions } from './bundle-options.mjs';

await build({ ...bundleOptions('dist/f2b-campaign.mjs'), sourcemap: 'linked' });
