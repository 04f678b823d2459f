import { z } from "zod";
import { operatorIdSchema } from "./operator-id.schema";

export const changeOperatorRoleSchema = operatorIdSchema.extend({
  role: z.enum(["VIEWER", "OPERATOR", "ADMIN"]),
});

export type ChangeOperatorRoleInput = z.infer<typeof changeOperatorRoleSchema>;
