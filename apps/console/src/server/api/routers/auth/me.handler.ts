import type { ConsoleContext } from "../../trpc";

export interface Me {
  id: string;
  email: string;
  role: "VIEWER" | "OPERATOR" | "ADMIN";
}

/** The signed-in operator, or null: pages use it to redirect to sign-in and to hide what a role may not do. */
export function meHandler({ ctx }: { ctx: ConsoleContext }): Me | null {
  const operator = ctx.session?.operator;
  return operator ? { id: operator.id, email: operator.email, role: operator.role } : null;
}
