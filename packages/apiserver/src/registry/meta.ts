// Object metadata the server owns: uid, name generation, timestamps.
import { randomUUID } from 'node:crypto';
import type { Rng } from '@kubemu/base';

/** The alphabet of generated name suffixes (no vowels, so no words; as apimachinery's rand.String). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_NAME_LENGTH = 58; // 63 - 5 random characters

export function generateName(base: string, rng: Rng): string {
  const prefix = base.length > MAX_GENERATED_NAME_LENGTH ? base.slice(0, MAX_GENERATED_NAME_LENGTH) : base;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHANUMS[rng.int(ALPHANUMS.length)];
  return prefix + suffix;
}

export function newUid(): string {
  return randomUUID();
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
