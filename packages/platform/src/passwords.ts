// Console operators' passwords: argon2id hashes (OWASP's first choice, through
// @node-rs/argon2's prebuilt binary), verification in constant work for unknown
// emails, and generated passwords. Shared by the console's sign-in, the CLI and
// `npm start`'s first admin.
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

export const PASSWORD_LENGTH_MIN = 12;
export const PASSWORD_LENGTH_MAX = 256;

// The library's default algorithm is argon2id (its enum is a const enum, which isolated modules cannot import);
// a test checks the "$argon2id$" prefix. 19 MiB, 2 passes, 1 lane: OWASP's recommended minimum.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | null = null;

/** Verifies against a throwaway hash, so an unknown email takes as long to refuse as a wrong password. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
  await verifyPassword(await dummyHash, password);
  return false;
}

/** 20 characters from a 62-letter alphabet (about 119 bits). */
export function generatePassword(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(20);
  return [...bytes].map((byte) => alphabet[byte % alphabet.length]).join("");
}
