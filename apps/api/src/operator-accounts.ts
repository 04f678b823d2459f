// Console operator accounts: argon2id password hashes (OWASP's first choice,
// through @node-rs/argon2's prebuilt binary) and account creation, shared by the
// console's sign-in, the CLI and `npm start`'s first admin.
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type {
  OperatorRecord,
  OperatorRepository,
  OperatorRole,
} from "@paycore/db/repositories/operator.repository";

export const PASSWORD_LENGTH_MIN = 12;
export const PASSWORD_LENGTH_MAX = 256;
export const OPERATOR_ROLES: readonly OperatorRole[] = ["VIEWER", "OPERATOR", "ADMIN"];

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

export function normaliseEmail(email: string): string {
  const normalised = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(normalised) || normalised.length > 320) {
    throw new Error(`not an email address: ${email}`);
  }
  return normalised;
}

/** Creates an operator; without a password, one is generated and returned (shown once to whoever asked). */
export async function createOperatorAccount(
  operators: OperatorRepository,
  input: { email: string; role: OperatorRole; password?: string | null },
): Promise<{ operator: OperatorRecord; password: string }> {
  const password = input.password ?? generatePassword();
  if (password.length < PASSWORD_LENGTH_MIN || password.length > PASSWORD_LENGTH_MAX) {
    throw new Error(`passwords are ${PASSWORD_LENGTH_MIN} to ${PASSWORD_LENGTH_MAX} characters`);
  }
  const operator = await operators.create({
    email: normaliseEmail(input.email),
    passwordHash: await hashPassword(password),
    role: input.role,
  });
  return { operator, password };
}

/** The first admin, on a database without operators; null when there already are some. */
export async function createFirstAdminIfNone(
  operators: OperatorRepository,
  email = "admin@paycore.local",
): Promise<{ email: string; password: string } | null> {
  if ((await operators.count()) > 0) return null;
  const { operator, password } = await createOperatorAccount(operators, { email, role: "ADMIN" });
  return { email: operator.email, password };
}
