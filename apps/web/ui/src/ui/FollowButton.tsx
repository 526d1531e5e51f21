import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { useSession } from '../session/session';
import { useErrorText } from './async';

/**
 * Follow or stop following a round or one of its proposals (a toggle button: aria-pressed says which). Shown only to
 * a signed-in person; the state comes from the proposals service.
 */
export function FollowButton({ roundId, proposalId }: { roundId: string; proposalId?: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const errorText = useErrorText();
  const path = proposalId ? `/rounds/${roundId}/proposals/${proposalId}/follow` : `/rounds/${roundId}/follow`;
  const [following, setFollowing] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A voting-code session may only cast its ballot: it neither follows nor is notified.
  const signedIn = !!session && !session.votingCode;
  useEffect(() => {
    if (!signedIn) return;
    const controller = new AbortController();
    api.proposals
      .get<{ following: boolean }>(path, { signal: controller.signal })
      .then((r) => setFollowing(r.following))
      .catch(() => undefined);
    return () => controller.abort();
  }, [path, signedIn]);
  if (!signedIn || following === null) return null;
  const what = proposalId ? 'proposal' : 'round';
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.proposals.request<{ following: boolean }>(following ? 'DELETE' : 'POST', path);
      setFollowing(r.data.following);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="follow">
      <button type="button" className="button-secondary" aria-pressed={following} disabled={busy} onClick={() => void toggle()} aria-describedby={`follow-hint-${what}`}>
        {following ? t(`notify.follow.${what}Following`) : t(`notify.follow.${what}`)}
      </button>
      <span id={`follow-hint-${what}`} className="muted follow-hint">
        {t(`notify.follow.${what}Hint`)}
      </span>
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
    </div>
  );
}
