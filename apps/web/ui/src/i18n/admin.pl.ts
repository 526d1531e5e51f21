import type en from './admin.en';

/** Polish strings of the admin pages (the same keys as admin.en.ts). */
export default {
  admin: {},
} satisfies typeof en;
