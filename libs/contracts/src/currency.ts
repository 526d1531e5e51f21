/**
 * ISO 4217 currencies whose minor unit is not 1/100. Every other code is taken to have two decimals (PLN, EUR,
 * USD, CHF, and HUF, which ISO 4217 still lists with two decimals although fillér coins are gone).
 */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0,
  XAF: 0, XOF: 0, XPF: 0,
};

/** Decimal places of a currency's minor unit: amounts in Plaza are integers of 10^-minorDigits currency. */
export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}
