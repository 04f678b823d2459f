// Console operators: roles, the account's status, and the one set of input rules (email, password) every caller
// of the operator commands shares: the console, the CLI and `npm start`'s first admin.
import { randomBytes } from "node:crypto";
import { DomainError } from "../errors/domain-error";
import type { OperatorId } from "../ids/ids";
import { hasControlCharacter } from "../payments/free-text";

export const OPERATOR_ROLES = ["VIEWER", "OPERATOR", "ADMIN"] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** NIST SP 800-63B: at least 8 (we ask 12), and accept long passphrases; argon2 hashes any length. */
export const PASSWORD_LENGTH_MIN = 12;
export const PASSWORD_LENGTH_MAX = 256;
/** RFC 5321's limit on a forward path. */
export const EMAIL_LENGTH_MAX = 254;
/** A generated password: 20 characters from 62 letters, about 119 bits. */
export const GENERATED_PASSWORD_LENGTH = 20;

export interface OperatorAccount {
  id: OperatorId;
  email: string;
  role: OperatorRole;
  createdAt: Date;
  disabledAt: Date | null;
  totpEnabled: boolean;
}

/** What the admin's list shows of an account: when it last signed in, and whether sign-in is blocked. */
export interface OperatorListing extends OperatorAccount {
  lastSignInAt: Date | null;
  /** The latest sign-in block on this account's email from any address, while it lasts. */
  lockedUntil: Date | null;
}

export function isOperatorRole(value: string): value is OperatorRole {
  return (OPERATOR_ROLES as readonly string[]).includes(value);
}

export function parseOperatorRole(value: string): OperatorRole {
  const role = value.trim().toUpperCase();
  if (!isOperatorRole(role))
    throw new DomainError("INVALID_INPUT", `role must be one of ${OPERATOR_ROLES.join(", ")}.`, {
      field: ["role"],
    });
  return role;
}

/** Lower-cased and trimmed (the column's check constraint insists on lower case); one @, no spaces or controls. */
export function normaliseOperatorEmail(email: string): string {
  const normalised = email.trim().toLowerCase();
  if (
    normalised.length > EMAIL_LENGTH_MAX ||
    hasControlCharacter(normalised) ||
    !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalised)
  ) {
    // The message does not quote the input: it may be anything, a card number included.
    throw new DomainError(
      "INVALID_INPUT",
      `email must be an email address of at most ${EMAIL_LENGTH_MAX} characters.`,
      {
        field: ["email"],
      },
    );
  }
  return normalised;
}

export function assertPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_LENGTH_MIN || password.length > PASSWORD_LENGTH_MAX)
    throw new DomainError(
      "INVALID_INPUT",
      `passwords are ${PASSWORD_LENGTH_MIN} to ${PASSWORD_LENGTH_MAX} characters.`,
      { field: ["password"] },
    );
}

const PASSWORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** The largest multiple of 62 below 256: bytes at or above it are drawn again, so every letter is equally likely. */
const UNBIASED_BYTE_LIMIT = 256 - (256 % PASSWORD_ALPHABET.length);

export function generateOperatorPassword(): string {
  let password = "";
  // Each byte is kept with probability 248/256, so a few rounds suffice; the bound is a guard, not a limit hit.
  for (let round = 0; round < 16 && password.length < GENERATED_PASSWORD_LENGTH; round++) {
    for (const byte of randomBytes(GENERATED_PASSWORD_LENGTH * 2)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
      if (password.length === GENERATED_PASSWORD_LENGTH) break;
    }
  }
  return password;
}
