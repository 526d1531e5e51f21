import type en from './audit.en';

/** Polish strings of the audit pages (the same keys as audit.en.ts). */
export default {
  audit: {},
} satisfies typeof en;
