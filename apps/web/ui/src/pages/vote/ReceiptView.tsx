import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { CopyButton, DownloadButton } from '../../ui/actions';
import { apiUrl } from '../../api/client';
import { useFormat } from '../../ui/format';
import { checkPath, receiptFilename, receiptJson, type ReceiptFacts } from './receipt';

/** The receipt text to copy, and the file to download, in the resident's language. */
export function useReceiptTexts() {
  const { t } = useTranslation();
  const f = useFormat();
  return (facts: ReceiptFacts) => {
    const origin = window.location.origin;
    const page = `${origin}${checkPath(facts)}`;
    const copy = [
      t('vote.receipt.copyTitle'),
      `${t('vote.receipt.round')}: ${facts.roundName} (${facts.roundId})`,
      `${t('vote.receipt.unit')}: ${facts.unitName} (${facts.unitId})`,
      `${t('vote.receipt.version')}: ${facts.ballotVersion}`,
      `${t('vote.receipt.castAt')}: ${f.dateTime(facts.castAt)} (${facts.castAt})`,
      `eventId: ${facts.eventId}`,
      `leafHash: ${facts.leafHash}`,
      `${t('vote.receipt.checkAt')}: ${page}`,
      '',
    ].join('\n');
    const file = receiptJson(facts, { page, api: `${origin}${apiUrl('audit', '/receipts/check')}`, howTo: t('vote.receipt.howTo', { page: `${origin}/receipts` }) });
    return { copy, file, filename: receiptFilename(facts) };
  };
}

/** One receipt: what it identifies, Copy, Download and "Check in the ledger". */
export function ReceiptView({ facts }: { facts: ReceiptFacts }) {
  const { t } = useTranslation();
  const f = useFormat();
  const texts = useReceiptTexts()(facts);
  const which = { unit: facts.unitName, version: facts.ballotVersion };
  return (
    <div className="receipt">
      <dl className="facts">
        <dt>{t('vote.receipt.round')}</dt>
        <dd>{facts.roundName}</dd>
        <dt>{t('vote.receipt.unit')}</dt>
        <dd>{facts.unitName}</dd>
        <dt>{t('vote.receipt.version')}</dt>
        <dd>{facts.ballotVersion}</dd>
        <dt>{t('vote.receipt.castAt')}</dt>
        <dd>{f.dateTime(facts.castAt)}</dd>
        <dt>{t('vote.receipt.eventId')}</dt>
        <dd>
          <code data-testid="receipt-event-id">{facts.eventId}</code>
        </dd>
        <dt>{t('vote.receipt.leafHash')}</dt>
        <dd>
          <code data-testid="receipt-leaf-hash">{facts.leafHash}</code>
        </dd>
      </dl>
      <div className="actions">
        <CopyButton text={texts.copy} label={t('vote.receipt.copy')} name={t('vote.receipt.copyOf', which)} />
        <DownloadButton filename={texts.filename} text={texts.file} type="application/json" label={t('vote.receipt.download')} name={t('vote.receipt.downloadOf', which)} />
        <Link className="button button-secondary" to={checkPath(facts)} aria-label={t('vote.receipt.checkOf', which)}>
          {t('vote.receipt.check')}
        </Link>
      </div>
    </div>
  );
}
