// UTC days as the product counts them: a day is 86,400,000 ms, starting at midnight UTC.
export const DAY_MS = 86_400_000;

/** Midnight UTC of the day `ms` falls in. */
export const startOfDay = (ms: number) => new Date(ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS));
