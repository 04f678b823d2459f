// The schema: imports every type file, then builds.
import "./scalars";
import "./user-error";
import "./payment-method";
import "./payment-timeline";
import "./refund";
import "./risk";
import "./review";
import "./payment";
import "./balance";
import "./dispute";
import { builder } from "./builder";

export const schema = builder.toSchema({ sortSchema: true });
