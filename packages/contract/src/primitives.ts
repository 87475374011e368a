import { z } from 'zod';

const NUL = '\u0000';

/** A UTF-16 surrogate that is not half of a pair: JSON allows one (`"\ud800"`), UTF-8 cannot encode it. */
export const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Text that PostgreSQL can store as given: no NUL characters (a database error otherwise) and no lone
 * surrogates (they would silently become U+FFFD on the way to the database).
 */
export const text = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((value) => !value.includes(NUL), { message: 'Must not contain NUL characters' })
    .refine((value) => !LONE_SURROGATE.test(value), {
      message: 'Must be valid Unicode (no lone surrogates)',
    });

/** `text` after trimming leading and trailing white space: a blank value fails `min`. */
export const trimmedText = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min, { message: min === 1 ? 'Must not be blank' : `Must be at least ${min} characters` })
    .max(max)
    .refine((value) => !value.includes(NUL), { message: 'Must not contain NUL characters' })
    .refine((value) => !LONE_SURROGATE.test(value), {
      message: 'Must be valid Unicode (no lone surrogates)',
    });

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** `2026-02-31` has the date-time format but names no day; Date would silently roll it to March. */
const namesARealDay = (value: string) => {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  return days !== undefined && day >= 1 && day <= days;
};

/** An RFC 3339 date-time with an explicit offset (`Z` or `+02:00`); no offset is a validation error. */
export const instantInput = z.iso
  .datetime({
    offset: true,
    message: 'Must be an RFC 3339 date-time with an offset, e.g. 2026-11-23T10:00:00Z',
  })
  .refine(namesARealDay, { message: 'Must be a real calendar date' })
  .meta({ format: 'date-time', example: '2030-11-23T10:00:00Z' });

/** Timestamps in responses: RFC 3339 UTC with milliseconds. */
export const instantOutput = z.iso.datetime().meta({ example: '2030-11-23T10:00:00.000Z' });

/** Server-chosen opaque ids. Any string is accepted in paths: unknown or malformed ones are 404s. */
export const idParam = z.string().meta({ description: 'Opaque id chosen by the server' });
