import { decimalToUnits, type PbDecimal } from '@plaza/pabulib';

export { minorDigits } from '@plaza/contracts';

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
