// The one write path for console operator accounts, shared by the console's Operators page, the CLI and
// `npm start`'s first admin: create, disable or enable, change role, reset password, unlock sign-in. Input rules
// live here once; the store writes each change and its audit row in one transaction. Two safety rules: nobody
// disables or demotes themselves (another admin must), and the last enabled admin cannot be disabled or demoted.
import { DomainError } from "../errors/domain-error";
import { newId, type OperatorId } from "../ids/ids";
import type { Actor } from "../ports/audit";
import type {
  OperatorChange,
  OperatorEvent,
  OperatorStore,
  OperatorUpdateResult,
  PasswordHasher,
} from "../ports/operator-store";
import {
  assertPasswordPolicy,
  generateOperatorPassword,
  normaliseOperatorEmail,
  type OperatorAccount,
  type OperatorListing,
  type OperatorRole,
  parseOperatorRole,
} from "./operator";

export interface OperatorCommandsDeps {
  store: OperatorStore;
  hasher: PasswordHasher;
  now: () => Date;
  /** Defaults to 20 random letters and digits; tests pass a fixed one. */
  generatePassword?: () => string;
}

/** A password the caller shows once: generated when none was given. */
export interface IssuedPassword {
  password: string;
  generated: boolean;
}

/** The address `npm start` gives the first admin of an empty database. */
export const FIRST_ADMIN_EMAIL = "admin@paycore.local";

function notFound(): DomainError {
  return new DomainError("OPERATOR_NOT_FOUND", "No such operator.", { field: ["operatorId"] });
}

function isActiveAdmin(state: { role: OperatorRole; disabledAt: Date | null }): boolean {
  return state.role === "ADMIN" && state.disabledAt === null;
}

function snapshot(operator: { email: string; role: OperatorRole; disabledAt: Date | null }) {
  return {
    email: operator.email,
    role: operator.role,
    disabledAt: operator.disabledAt === null ? null : operator.disabledAt.toISOString(),
  };
}

export class OperatorCommands {
  private readonly generatePassword: () => string;

  constructor(private readonly deps: OperatorCommandsDeps) {
    this.generatePassword = deps.generatePassword ?? generateOperatorPassword;
  }

  /**
   * The read side, for the admin's list: every account with its last sign-in and any sign-in block still holding
   * at `now` (the console passes the clock its sign-in throttle runs on).
   */
  list(now: Date = this.deps.now()): Promise<OperatorListing[]> {
    return this.deps.store.list(now);
  }

  /** Without a password one is generated; either way it is returned once and stored only as its hash. */
  async create(
    actor: Actor,
    input: { email: string; role: OperatorRole | string; password?: string | null },
  ): Promise<{ operator: OperatorAccount } & IssuedPassword> {
    const email = normaliseOperatorEmail(input.email);
    const role = parseOperatorRole(input.role);
    const issued = this.issuePassword(input.password);
    const id = newId("operator");
    const operator = await this.deps.store.create(
      { id, email, role, passwordHash: await this.deps.hasher.hash(issued.password) },
      {
        actor,
        action: "operator.create",
        targetId: id,
        before: null,
        after: { email, role, passwordGenerated: issued.generated },
      },
    );
    if (operator === null)
      throw new DomainError("OPERATOR_EXISTS", "An operator with this email already exists.", {
        field: ["email"],
      });
    return { operator, ...issued };
  }

  /** The first admin of an empty database (`npm start`); null when there already are operators. */
  async createFirstAdminIfNone(
    actor: Actor,
    email = FIRST_ADMIN_EMAIL,
  ): Promise<{ email: string; password: string } | null> {
    if ((await this.deps.store.count()) > 0) return null;
    const { operator, password } = await this.create(actor, { email, role: "ADMIN" });
    return { email: operator.email, password };
  }

  async setDisabled(actor: Actor, operatorId: string, disabled: boolean): Promise<OperatorAccount> {
    const operator = await this.find(operatorId);
    if ((operator.disabledAt !== null) === disabled) return operator;
    if (disabled && actor.operatorId === operator.id)
      throw new DomainError(
        "OPERATOR_SELF_CHANGE",
        "You cannot disable your own account: ask another admin.",
      );
    const at = this.deps.now();
    const after = { ...operator, disabledAt: disabled ? at : null };
    await this.update(
      actor,
      operator,
      after,
      disabled ? { disabledAt: at, revokeSessionsAt: at } : { disabledAt: null },
      disabled ? "operator.disable" : "operator.enable",
    );
    return after;
  }

  async changeRole(
    actor: Actor,
    operatorId: string,
    newRole: OperatorRole | string,
  ): Promise<OperatorAccount> {
    const role = parseOperatorRole(newRole);
    const operator = await this.find(operatorId);
    if (operator.role === role) return operator;
    if (actor.operatorId === operator.id)
      throw new DomainError("OPERATOR_SELF_CHANGE", "You cannot change your own role: ask another admin.", {
        field: ["role"],
      });
    const after = { ...operator, role };
    await this.update(actor, operator, after, { role }, "operator.change_role");
    return after;
  }

  /** Sets a new password (generated when none is given) and ends the operator's sessions. */
  async resetPassword(actor: Actor, operatorId: string, password?: string | null): Promise<IssuedPassword> {
    const operator = await this.find(operatorId);
    const issued = this.issuePassword(password);
    const passwordHash = await this.deps.hasher.hash(issued.password);
    await this.update(
      actor,
      operator,
      operator,
      { passwordHash, revokeSessionsAt: this.deps.now() },
      "operator.reset_password",
      { passwordGenerated: issued.generated },
    );
    return issued;
  }

  /** Lifts the sign-in throttle on the operator's email, from every address (after the admin checked who it was). */
  async unlock(actor: Actor, operatorId: string): Promise<{ cleared: number }> {
    const operator = await this.find(operatorId);
    const cleared = await this.deps.store.clearSignInThrottles(operator.email, {
      actor,
      action: "operator.unlock",
      targetId: operator.id,
      before: null,
      after: { email: operator.email },
    });
    return { cleared };
  }

  /** Records an event that changes no account (sign-in, sign-out, a chain check) in the operator audit log. */
  recordEvent(event: OperatorEvent): Promise<void> {
    return this.deps.store.recordEvent(event);
  }

  private issuePassword(password: string | null | undefined): IssuedPassword {
    if (password === undefined || password === null) {
      const generated = this.generatePassword();
      assertPasswordPolicy(generated);
      return { password: generated, generated: true };
    }
    assertPasswordPolicy(password);
    return { password, generated: false };
  }

  private async find(operatorId: string): Promise<OperatorAccount> {
    const operator = await this.deps.store.findById(operatorId.slice(0, 64));
    if (operator === null) throw notFound();
    return operator;
  }

  private async update(
    actor: Actor,
    before: OperatorAccount,
    after: OperatorAccount,
    change: OperatorChange,
    action: string,
    extra: Record<string, boolean> = {},
  ): Promise<void> {
    const result = await this.deps.store.update(
      before.id as OperatorId,
      { role: before.role, disabled: before.disabledAt !== null },
      change,
      { keepAnActiveAdmin: isActiveAdmin(before) && !isActiveAdmin(after) },
      {
        actor,
        action,
        targetId: before.id,
        before: snapshot(before),
        after: { ...snapshot(after), ...extra },
      },
    );
    throwUnlessApplied(result);
  }
}

function throwUnlessApplied(result: OperatorUpdateResult): void {
  if (result === "applied") return;
  if (result === "not_found") throw notFound();
  if (result === "changed")
    throw new DomainError("OPERATOR_CHANGED", "The operator changed meanwhile: reload and try again.");
  throw new DomainError(
    "LAST_ACTIVE_ADMIN",
    "This is the last enabled admin: make another operator admin first.",
  );
}
