/** English strings of the admin pages (keys under `admin.`). */
export default {
  admin: {},
};
