/** Time as a dependency, so tests can place events in chosen hours without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export function manualClock(start: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export const iso = (ms: number | Date) => new Date(ms).toISOString();
export const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());
