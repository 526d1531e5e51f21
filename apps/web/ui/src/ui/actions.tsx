import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Copies text to the clipboard and says so (aria-live), falling back to selecting it when denied. */
/** `name` is the accessible name when the visible label alone is ambiguous (it must start with the label). */
export function CopyButton({ text, label, name }: { text: string; label?: string; name?: string }) {
  const { t } = useTranslation();
  const [done, setDone] = useState(false);
  return (
    <>
      <button
        type="button"
        className="button-secondary"
        aria-label={name}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
          } catch {
            const area = document.createElement('textarea');
            area.value = text;
            document.body.appendChild(area);
            area.select();
            document.execCommand('copy');
            area.remove();
          }
          setDone(true);
          setTimeout(() => setDone(false), 2000);
        }}
      >
        {label ?? t('common.copy')}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {done ? t('common.copied') : ''}
      </span>
    </>
  );
}

/** Saves a text file the page made (receipt, codes CSV) without a server round trip. */
export function downloadText(filename: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function DownloadButton({ filename, text, type, label, name }: { filename: string; text: string; type?: string; label?: string; name?: string }) {
  const { t } = useTranslation();
  return (
    <button type="button" className="button-secondary" aria-label={name} onClick={() => downloadText(filename, text, type)}>
      {label ?? t('common.download')}
    </button>
  );
}
