import { CAMPAIGN_KEYS, IGNOREIP_KEY, PRIVATE_SINGLE_KEY } from '../../correlate/campaign-settings.js';
import { PREDICTABLE_KEYS } from '../../correlate/predictable-sources.js';
import { DICTIONARY_KEYS } from '../../correlate/signals/dictionary.js';
import { ASN_DATABASE_KEY, COUNTRY_DATABASE_KEY, LOCALITY_KEYS } from '../../correlate/signals/locality.js';
import { ORDERED_KEYS } from '../../correlate/signals/ordered-names.js';
import { PERSISTENCE_KEYS } from '../../correlate/signals/persistence.js';
import { PROBING_KEYS } from '../../correlate/signals/probing.js';
import { RHYTHM_KEYS } from '../../correlate/signals/rhythm.js';
import { LIFETIME_KEYS, SOCKET_PORTS_KEY } from '../../correlate/signals/socket-lifetime.js';
import { SURGE_KEYS } from '../../correlate/signals/surge.js';
import { SYNCHRONY_KEYS } from '../../correlate/signals/synchrony.js';
import type { KeySpec, SectionSpec } from '../key-spec.js';

/**
 * The campaign detector: how much evidence makes a campaign, how long state is kept, and each signal's parameters.
 * The keys live next to the code that uses them (one file per signal); this section only gathers them.
 * docs/detection.md explains each signal and why its default is what it is.
 */
export const detectionSection: SectionSpec = {
  name: 'detection',
  doc: 'How coordinated campaigns are recognised (docs/detection.md explains every signal).',
  keys: [
    ...Object.values(CAMPAIGN_KEYS),
    IGNOREIP_KEY,
    PRIVATE_SINGLE_KEY,
    ...Object.values(RHYTHM_KEYS),
    ...Object.values(DICTIONARY_KEYS),
    ...Object.values(ORDERED_KEYS),
    ...Object.values(PERSISTENCE_KEYS),
    ...Object.values(LOCALITY_KEYS),
    ASN_DATABASE_KEY,
    COUNTRY_DATABASE_KEY,
    ...Object.values(SYNCHRONY_KEYS),
    ...Object.values(PREDICTABLE_KEYS),
    ...Object.values(LIFETIME_KEYS),
    SOCKET_PORTS_KEY,
    ...Object.values(PROBING_KEYS),
    ...Object.values(SURGE_KEYS),
  ] as KeySpec[],
};
