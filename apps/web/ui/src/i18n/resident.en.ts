/** English strings of the resident pages (keys under `resident.`). */
export default {
  resident: {},
};
