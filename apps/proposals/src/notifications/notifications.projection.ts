import type { ProjectionSpec } from '@plaza/nest-runtime';
import { renderMail } from './notification.mail';
import { intentsFor } from './notification.triggers';
import { NotificationsWriter } from './notifications.store';

/**
 * The notifications context's Kafka consumer: reads the proposals service's own topic (which it also writes, like
 * any other consumer would, so notifications come from published events only) and, per event, keeps what it needs
 * of rounds and proposals, writes the notifications the trigger table asks for and queues their mails — all in
 * the transaction that records the event id as processed, so redelivery writes nothing twice.
 */
export function notificationsProjection(schema: string, mail: { readonly enabled: boolean; readonly webOrigin?: string }): ProjectionSpec {
  const writer = new NotificationsWriter(schema);
  const render = mail.enabled ? (intent: Parameters<typeof renderMail>[0]) => renderMail(intent, mail.webOrigin) : null;
  return {
    name: 'notifications',
    from: ['proposals'],
    apply: async (event, manager) => {
      await writer.track(manager, event);
      const intents = await intentsFor(event, writer.directory(manager));
      await writer.notify(manager, event, intents, render);
    },
  };
}
