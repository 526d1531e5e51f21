/** English strings of the audit pages (keys under `audit.`). */
export default {
  audit: {},
};
