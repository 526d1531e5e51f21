import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * Money is integer minor units of the round's currency (DESIGN.md), carried as a JSON number:
 * a non-negative safe integer, never a float.
 */
export function IsMinorUnits(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isMinorUnits',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: `${propertyName.toString()} must be a non-negative integer amount in minor units`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 },
    });
}
