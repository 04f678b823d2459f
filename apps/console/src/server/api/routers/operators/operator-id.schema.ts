import { z } from "zod";

/** An operator's id (opr_ + a ULID); the core answers OPERATOR_NOT_FOUND for anything else. */
export const operatorIdSchema = z.object({ operatorId: z.string().min(1).max(64) });
