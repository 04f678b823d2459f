import { z } from "zod";
import { operatorIdSchema } from "./operator-id.schema";

export const setOperatorDisabledSchema = operatorIdSchema.extend({ disabled: z.boolean() });

export type SetOperatorDisabledInput = z.infer<typeof setOperatorDisabledSchema>;
