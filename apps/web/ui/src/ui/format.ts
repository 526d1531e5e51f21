import { useTranslation } from 'react-i18next';
import { minorDigits } from '../../../../../libs/contracts/src/currency';

/**
 * Digits after the decimal point of a currency's minor unit: the server's own rule (libs/contracts), imported by file
 * because the package index also pulls in class-validator. Not `Intl`: Chromium answers 0 for HUF, IDR and COP,
 * which ISO 4217 (and so the APIs' minor units) give two, and showed a Budapest round's amounts 100x too large.
 */
export const minorDigitsOf: (currency: string) => number = minorDigits;

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
      // Where Intl shows fewer decimals than the minor unit has (HUF: 0 against 2), whole amounts stay whole and
      // a fraction is still shown rather than rounded away.
      const intlDigits = new Intl.NumberFormat(locale, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? digits;
      return new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        ...(intlDigits < digits ? { minimumFractionDigits: 0, maximumFractionDigits: digits } : {}),
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
