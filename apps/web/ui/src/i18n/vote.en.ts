/** English strings of the vote pages (keys under `vote.`). */
export default {
  vote: {},
};
