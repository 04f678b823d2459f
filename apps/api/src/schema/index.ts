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
// 3-D Secure (issue 20).
import "./three-d-secure";
import "./node";
import "./payment-subscription";
import "./balance";
import "./receipt";
import "./invoice";
import "./webhook";
import "./dispute";
// Bank transfers (issue 18, part 3).
import "./bank-transfer";
// Balances and payouts (issue 18).
import "./payout";
// Hosted checkout (issue 20).
import "./checkout-session";
import "./allowed-origins";
// Multiple currencies (issue 18)
import "./fx";
// Onboarding and KYC (issue 22).
import "./onboarding";
import { builder } from "./builder";
import { withReplayedMutationFields } from "./replayed-fields";

export const schema = withReplayedMutationFields(builder.toSchema({ sortSchema: true }));
