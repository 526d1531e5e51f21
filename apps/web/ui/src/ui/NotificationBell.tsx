import { useEffect, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';

/** Sent on `window` when the page changed what is read, so the bell counts again at once. */
export const NOTIFICATIONS_CHANGED = 'plaza:notifications-changed';
const POLL_MS = 30_000;

/**
 * The bell in the header for a signed-in person: a link to the notifications page whose name says how many are
 * unread (a screen reader hears "Notifications, 2 unread"). Counts again on every page change and every 30 s.
 */
export function NotificationBell() {
  const { t } = useTranslation();
  const location = useLocation();
  const [unread, setUnread] = useState<number | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    const load = () =>
      api.proposals
        .get<{ unread: number }>('/notifications/unread-count', { signal: controller.signal })
        .then((r) => setUnread(r.unread))
        .catch(() => undefined);
    void load();
    const timer = window.setInterval(load, POLL_MS);
    window.addEventListener(NOTIFICATIONS_CHANGED, load);
    return () => {
      controller.abort();
      window.clearInterval(timer);
      window.removeEventListener(NOTIFICATIONS_CHANGED, load);
    };
  }, [location.pathname]);
  const count = unread ?? 0;
  return (
    <Link to="/notifications" className="bell" aria-label={count > 0 ? t('notify.bellUnread', { count }) : t('notify.bell')} data-testid="notification-bell">
      <svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="22" height="22">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      {count > 0 && (
        <span className="bell-count" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </Link>
  );
}
