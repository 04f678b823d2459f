import { procedureFor, router } from "../../trpc";
import { retryPayoutHandler, setPausedHandler } from "./actions.handler";
import { retryPayoutSchema, setPausedSchema } from "./actions.schema";
import { payoutsOverviewHandler } from "./overview.handler";
import { payoutsOverviewSchema } from "./overview.schema";
import { setReserveHandler } from "./set-reserve.handler";
import { setReserveSchema } from "./set-reserve.schema";
import { setScheduleHandler } from "./set-schedule.handler";
import { setScheduleSchema } from "./set-schedule.schema";

export const payoutsRouter = router({
  overview: procedureFor("VIEWER").input(payoutsOverviewSchema).query(payoutsOverviewHandler),
  setPaused: procedureFor("OPERATOR").input(setPausedSchema).mutation(setPausedHandler),
  retry: procedureFor("OPERATOR").input(retryPayoutSchema).mutation(retryPayoutHandler),
  setSchedule: procedureFor("OPERATOR").input(setScheduleSchema).mutation(setScheduleHandler),
  setReserve: procedureFor("ADMIN").input(setReserveSchema).mutation(setReserveHandler),
});
