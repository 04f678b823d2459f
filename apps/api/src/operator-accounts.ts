// Console operator passwords: argon2id hashes (OWASP's first choice, through
// @node-rs/argon2's prebuilt binary), the core's PasswordHasher for the operator
// commands (packages/core/src/operators) and the console's sign-in check.
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

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
