/** English strings of the results pages (keys under `results.`). */
export default {
  results: {},
};
