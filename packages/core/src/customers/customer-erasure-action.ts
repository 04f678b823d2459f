// The approval kind and audit action of a customer's erasure, in a module of its own: the approvals (which make the
// kind admin-only) and the erasure commands (which request it) both name it without importing each other.
export const CUSTOMER_ERASE_ACTION = "customer.erase";
