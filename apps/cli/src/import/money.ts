import { decimalToUnits, type PbDecimal } from '@plaza/pabulib';

/**
 * ISO 4217 currencies whose minor unit is not 1/100. Every other code is taken to have two decimals (PLN, EUR,
 * USD, CHF, and HUF, which ISO 4217 still lists with two decimals although fillér coins are gone).
 */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0,
  XAF: 0, XOF: 0, XPF: 0,
};

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/**
 * Pabulib files without a `currency` key (the legacy layout) still name their country; these are the countries
 * Pabulib holds data for.
 */
const COUNTRY_CURRENCY: Readonly<Record<string, string>> = {
  poland: 'PLN',
  netherlands: 'EUR',
  france: 'EUR',
  hungary: 'HUF',
  switzerland: 'CHF',
  us: 'USD',
  usa: 'USD',
  'united states': 'USD',
  canada: 'CAD',
};

export function currencyForCountry(country: string | undefined): string | undefined {
  return country === undefined ? undefined : COUNTRY_CURRENCY[country.trim().toLowerCase()];
}

/**
 * A Pabulib amount (whole currency units, possibly with decimals) in minor units as a JSON-safe integer. Throws
 * rather than round: an amount with more decimals than the currency has cannot be stored exactly.
 */
export function toMinorUnits(amount: PbDecimal, digits: number, what: string): number {
  let units: bigint;
  try {
    units = decimalToUnits(amount, digits);
  } catch {
    throw new RangeError(`${what}: ${amount.units}e-${amount.scale} has more decimals than the currency's ${digits}`);
  }
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what}: ${units} minor units is not a safe integer`);
  return Number(units);
}
