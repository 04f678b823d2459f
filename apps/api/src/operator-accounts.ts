// Console operator accounts: account creation, shared by the CLI and `npm start`'s
// first admin. The password functions live in @paycore/platform/passwords; they
// are re-exported here until operator writes become core commands.

import type {
  OperatorRecord,
  OperatorRepository,
  OperatorRole,
} from "@paycore/db/repositories/operator.repository";
import {
  generatePassword,
  hashPassword,
  PASSWORD_LENGTH_MAX,
  PASSWORD_LENGTH_MIN,
} from "@paycore/platform/passwords";

export {
  generatePassword,
  hashPassword,
  PASSWORD_LENGTH_MAX,
  PASSWORD_LENGTH_MIN,
  verifyAgainstDummy,
  verifyPassword,
} from "@paycore/platform/passwords";

export const OPERATOR_ROLES: readonly OperatorRole[] = ["VIEWER", "OPERATOR", "ADMIN"];

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
