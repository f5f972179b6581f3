/**
 * Passwords: argon2id hashes and the policy a new password must meet.
 *
 * Parameters: OWASP's first argon2id configuration, m = 19 MiB, t = 2, p = 1. OWASP lists it
 * with equivalent trade-offs (46 MiB × 1 pass … 7 MiB × 5 passes); 19 MiB × 2 keeps the memory
 * of concurrent logins modest (the native hashes run on libuv's 4 threads, so at most ~76 MiB)
 * while costing an attacker as much per guess. One hash takes ~11 ms on one core of the
 * development machine (the 11 demo accounts: ~80 ms in parallel at the first start).
 * p = 1: parallelism would only shorten our own wall time, not the attacker's work.
 */
import crypto from 'node:crypto';
import { hash, parseOptions, verify } from '@node-rs/argon2';
import type { Issue } from '../../ceb/index.ts';

/** Algorithm 2 is argon2id (a `const enum` in the package's types, which tsx cannot inline). */
const ARGON2ID = 2;
export const HASH_PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

/** NFC, so the same password typed on different keyboards or systems hashes the same. */
const normalize = (password: string) => password.normalize('NFC');

export function hashPassword(password: string): Promise<string> {
  return hash(normalize(password), HASH_PARAMS);
}

/** The argon2 library compares digests in constant time; a malformed stored hash is a mismatch. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, normalize(password));
  } catch {
    return false;
  }
}

/** True when the stored hash was made with other parameters than today's (rehash at the next login). */
export function needsRehash(stored: string): boolean {
  try {
    const o = parseOptions(stored);
    return (
      (o.algorithm as number) !== HASH_PARAMS.algorithm ||
      o.memoryCost !== HASH_PARAMS.memoryCost ||
      o.timeCost !== HASH_PARAMS.timeCost ||
      o.parallelism !== HASH_PARAMS.parallelism ||
      o.outputLen !== HASH_PARAMS.outputLen
    );
  } catch {
    return true;
  }
}

/**
 * Hash of a random password, for unknown usernames: the login does the same argon2 work
 * whether or not the account exists, so timing does not tell which usernames exist.
 */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomBytes(24).toString('base64url'));
  return dummy;
}

/** Common base words: a password that is one of them padded with digits or symbols is refused. */
const COMMON = ['password', 'passw0rd', 'p@ssw0rd', 'qwerty', 'qwertyuiop', 'asdfgh', 'letmein', 'welcome', 'admin', 'administrator', 'iloveyou', 'abc', 'abcdef', 'silkgate', 'changeme', 'secret', 'login', 'zaq12wsx', '1qaz2wsx'];
const commonPattern = new RegExp(`^[\\d\\W_]*(?:${COMMON.map((w) => w.replace(/[.*+?^${}()|[\]\\@]/g, '\\$&')).join('|')})[\\d\\W_]*$`, 'i');

const classes = (pw: string) =>
  [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((re) => re.test(pw)).length;

/**
 * What is wrong with a new password, as issues under `path` (empty: acceptable). Length counts
 * characters (code points), not bytes, so Chinese passphrases are measured fairly.
 */
export function passwordIssues(password: string, username: string, path = 'password'): Issue[] {
  const pw = normalize(password);
  const length = [...pw].length;
  const issues: Issue[] = [];
  const issue = (rule: string, expected: string, actual: string) => issues.push({ path, rule, expected, actual });
  if (length < PASSWORD_MIN) issue('minLength', `at least ${PASSWORD_MIN} characters`, `${length} characters`);
  if (length > PASSWORD_MAX) issue('maxLength', `at most ${PASSWORD_MAX} characters`, `${length} characters`);
  const user = username.trim().toLowerCase();
  if (user.length >= 3 && pw.toLowerCase().includes(user)) issue('notUsername', 'a password that does not contain the username', 'it contains the username');
  const n = classes(pw);
  if (n < 2) issue('characterClasses', 'characters of at least 2 kinds: lower-case letters, upper-case letters, digits, other characters', `only 1 kind`);
  const distinct = new Set(pw).size;
  if (length >= PASSWORD_MIN && distinct < 5) issue('distinctCharacters', 'at least 5 different characters', `${distinct} different characters`);
  if (commonPattern.test(pw) || /^(.{1,4})\1+$/u.test(pw)) issue('notCommon', 'not a common password or a short pattern repeated', 'a common password or a repeated pattern');
  return issues;
}

/** A random password that meets the policy (demo accounts). */
export function randomPassword(): string {
  for (;;) {
    const pw = crypto.randomBytes(18).toString('base64url');
    if (passwordIssues(pw, '').length === 0 && classes(pw) >= 3) return pw;
  }
}
