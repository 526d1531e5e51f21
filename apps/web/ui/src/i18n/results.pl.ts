import type en from './results.en';

/** Polish strings of the results pages (the same keys as results.en.ts). */
export default {
  results: {},
} satisfies typeof en;
