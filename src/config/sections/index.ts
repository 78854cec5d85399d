import type { SectionSpec } from '../key-spec.js';
import { alertsSection } from './alerts.js';
import { detectionSection } from './detection.js';
import { serviceSection } from './service.js';

/** Every configuration section, in the order the shipped conffile and the docs list them. */
export const SECTIONS: readonly SectionSpec[] = [serviceSection, detectionSection, alertsSection];
