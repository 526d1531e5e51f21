import type en from './vote.en';

/** Polish strings of the vote pages (the same keys as vote.en.ts). */
export default {
  vote: {},
} satisfies typeof en;
