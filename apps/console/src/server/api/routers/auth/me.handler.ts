import type { ConsoleContext } from "../../trpc";
import { type SessionStage, sessionStage } from "../../trpc";

export interface Me {
  id: string;
  email: string;
  role: "VIEWER" | "OPERATOR" | "ADMIN";
  /** Pages send "second_factor" back to sign-in and "enrol" to the two-factor page. */
  stage: SessionStage;
  totpEnabled: boolean;
}

/** The signed-in operator, or null: pages use it to redirect to sign-in and to hide what a role may not do. */
export function meHandler({ ctx }: { ctx: ConsoleContext }): Me | null {
  const session = ctx.session;
  if (!session) return null;
  const { operator } = session;
  return {
    id: operator.id,
    email: operator.email,
    role: operator.role,
    stage: sessionStage(session),
    totpEnabled: operator.totpEnabled,
  };
}
