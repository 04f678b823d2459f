// The optional context createPayment accepts for fraud scoring: who pays,
// from where, on what device. Validated and normalised here, so list lookups
// and velocity keys compare like with like.
import ipaddr from "ipaddr.js";
import { DomainError } from "../errors/domain-error";
import { assertFreeText } from "../payments/free-text";

export interface CustomerInput {
  email?: string | null;
  ipAddress?: string | null;
  deviceId?: string | null;
  billingAddress?: {
    line1?: string | null;
    city?: string | null;
    postalCode?: string | null;
    country?: string | null;
    latitude?: number | null;
    longitude?: number | null;
  } | null;
}

export interface CustomerContext {
  /** Lower-cased and trimmed. */
  email: string | null;
  /** Canonical form (IPv4-mapped IPv6 unwrapped), so one address has one spelling. */
  ipAddress: string | null;
  deviceId: string | null;
  billingCountry: string | null;
  billingPoint: { latitude: number; longitude: number } | null;
}

const EMAIL_MAX_LENGTH = 254;
const DEVICE_ID_MAX_LENGTH = 128;
const ADDRESS_FIELD_MAX_LENGTH = 200;
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is not ours to judge.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const COUNTRY_PATTERN = /^[A-Z]{2}$/;
const DEVICE_ID_PATTERN = /^[\x21-\x7e]+$/;

export const EMPTY_CUSTOMER_CONTEXT: CustomerContext = {
  email: null,
  ipAddress: null,
  deviceId: null,
  billingCountry: null,
  billingPoint: null,
};

export function validateCustomer(input: CustomerInput | null | undefined): CustomerContext {
  if (!input) return EMPTY_CUSTOMER_CONTEXT;
  const invalid = (field: string, message: string) =>
    new DomainError("INVALID_INPUT", message, { field: ["customer", ...field.split(".")] });

  let email: string | null = null;
  if (input.email != null) {
    // Before trimming, so a control character anywhere is refused rather than silently dropped at the ends.
    assertFreeText(input.email, { field: ["customer", "email"] });
    email = input.email.trim().toLowerCase();
    if (email.length > EMAIL_MAX_LENGTH || !EMAIL_PATTERN.test(email)) {
      throw invalid("email", "email must be an e-mail address.");
    }
  }

  let ipAddress: string | null = null;
  if (input.ipAddress != null) {
    const raw = input.ipAddress.trim();
    if (!ipaddr.isValid(raw)) throw invalid("ipAddress", "ipAddress must be an IPv4 or IPv6 address.");
    const parsed = ipaddr.process(raw);
    ipAddress = parsed.toString();
  }

  let deviceId: string | null = null;
  if (input.deviceId != null) {
    deviceId = input.deviceId.trim();
    if (
      deviceId.length === 0 ||
      deviceId.length > DEVICE_ID_MAX_LENGTH ||
      !DEVICE_ID_PATTERN.test(deviceId)
    ) {
      throw invalid("deviceId", `deviceId must be 1 to ${DEVICE_ID_MAX_LENGTH} printable characters.`);
    }
  }

  let billingCountry: string | null = null;
  let billingPoint: CustomerContext["billingPoint"] = null;
  const address = input.billingAddress;
  if (address) {
    for (const key of ["line1", "city", "postalCode"] as const) {
      const value = address[key];
      if (value != null && value.length > ADDRESS_FIELD_MAX_LENGTH) {
        throw invalid(
          `billingAddress.${key}`,
          `${key} must be at most ${ADDRESS_FIELD_MAX_LENGTH} characters.`,
        );
      }
      if (value != null) {
        // Not stored today, but checked like every other free text so that storing it later is safe.
        assertFreeText(value, { field: ["customer", "billingAddress", key] });
      }
    }
    if (address.country != null) {
      if (!COUNTRY_PATTERN.test(address.country)) {
        throw invalid("billingAddress.country", "country must be an ISO 3166-1 alpha-2 code such as US.");
      }
      billingCountry = address.country;
    }
    const { latitude, longitude } = address;
    if ((latitude == null) !== (longitude == null)) {
      throw invalid("billingAddress.latitude", "latitude and longitude go together.");
    }
    if (latitude != null && longitude != null) {
      if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) {
        throw invalid("billingAddress.latitude", "latitude must be between -90 and 90.");
      }
      if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) {
        throw invalid("billingAddress.longitude", "longitude must be between -180 and 180.");
      }
      billingPoint = { latitude, longitude };
    }
  }
  return { email, ipAddress, deviceId, billingCountry, billingPoint };
}
