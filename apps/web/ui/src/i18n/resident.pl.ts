import type en from './resident.en';

/** Polish strings of the resident pages (the same keys as resident.en.ts). */
export default {
  resident: {},
} satisfies typeof en;
