import { Matches, type ValidationOptions } from 'class-validator';

/**
 * One line of text: no line break (CR, LF, U+2028, U+2029, NEL) and no other control character (tab included).
 * Titles, names and reasons are written into one-line places — Pabulib `.pb` fields, CSV cells, headings — where a
 * line break would split a record: they are refused at the edge (400 naming the field) rather than encoded later.
 */
export const SINGLE_LINE = /^[^\p{Cc}\u2028\u2029]*$/u;

export function singleLineProblem(field: string, value: string): string | undefined {
  return SINGLE_LINE.test(value) ? undefined : `${field} must be one line, without line breaks, tabs or other control characters`;
}

/** class-validator: the property is one line (see SINGLE_LINE). */
export function IsSingleLine(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyKey) =>
    Matches(SINGLE_LINE, { message: `${String(propertyKey)} must be one line, without line breaks, tabs or other control characters`, ...options })(target, propertyKey);
}
