// English names of days and months, for the human-readable dates of alarm reasons and notification emails.

/** Sunday first, as `Date.getUTCDay()` counts. */
export const DAYS: readonly string[] = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];

/** January first, as `Date.getUTCMonth()` counts. */
export const MONTHS: readonly string[] = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
