import { useTranslation } from 'react-i18next';

/** Digits after the decimal point of a currency's minor unit (as libs/contracts minorDigits; JPY 0, PLN 2). */
export function minorDigitsOf(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Minor units (integer, as the APIs carry money) → a number of currency units. */
export function toMajor(minor: number, currency: string): number {
  return minor / 10 ** minorDigitsOf(currency);
}

/** A typed amount in currency units ("1 234,50" or "1234.5") → minor units, or undefined if not a number. */
export function parseMajor(text: string, currency: string): number | undefined {
  const cleaned = text.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!/^\d+(\.\d*)?$/.test(cleaned)) return undefined;
  const digits = minorDigitsOf(currency);
  const [whole, fraction = ''] = cleaned.split('.');
  if (fraction.length > digits) return undefined;
  return Number(whole) * 10 ** digits + Number((fraction + '0'.repeat(digits)).slice(0, digits) || '0');
}

/** Locale-aware formatters for the current language (pl-PL or en-GB). */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.language === 'pl' ? 'pl-PL' : 'en-GB';
  return {
    locale,
    money(minor: number | bigint | null | undefined, currency: string, options: { compact?: boolean } = {}): string {
      if (minor === null || minor === undefined) return '—';
      const digits = minorDigitsOf(currency);
      const value = Number(minor) / 10 ** digits;
      return new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        ...(options.compact ? { notation: 'compact', maximumFractionDigits: 1 } : {}),
      }).format(value);
    },
    number(value: number, options?: Intl.NumberFormatOptions): string {
      return new Intl.NumberFormat(locale, options).format(value);
    },
    percent(fraction: number, digits = 1): string {
      return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: digits }).format(fraction);
    },
    date(iso: string | null | undefined): string {
      return iso ? new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(new Date(iso)) : '—';
    },
    dateTime(iso: string | null | undefined): string {
      return iso ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '—';
    },
  };
}
