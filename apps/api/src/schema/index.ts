// The schema: imports every type file, then builds.
import "./scalars";
import "./user-error";
import "./payment-method";
import "./payment-timeline";
import "./refund";
import "./risk";
import "./review";
import "./payment";
import "./payment-pending";
import "./node";
import "./payment-subscription";
import "./balance";
import "./receipt";
import "./invoice";
import "./webhook";
import "./dispute";
// Multiple currencies (issue 18)
import "./fx";
import { builder } from "./builder";
import { withReplayedMutationFields } from "./replayed-fields";

export const schema = withReplayedMutationFields(builder.toSchema({ sortSchema: true }));
