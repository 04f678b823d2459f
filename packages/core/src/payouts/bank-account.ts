// Payout destinations: an IBAN (SEPA credit transfers) or a US routing number plus account number (ACH). The
// IBAN's checksum and each country's format are checked by ibantools (maintained, ISO 13616 data per country);
// the ABA routing number by its checksum. The account number is a secret like a card number: it is returned
// from here only to be encrypted, and never appears in an error message.
import { electronicFormatIBAN, extractIBAN, validateIBAN } from "ibantools";
import { DomainError } from "../errors/domain-error";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { assertFreeText } from "../payments/free-text";

export type BankRail = "SEPA" | "ACH";

export interface BankAccountInput {
  /** SEPA: the IBAN, spaces allowed. */
  iban?: string | null;
  /** ACH: the 9-digit ABA routing number. */
  routingNumber?: string | null;
  /** ACH: 4 to 17 digits. */
  accountNumber?: string | null;
  holderName: string;
  currency: string;
}

export interface ParsedBankAccount {
  rail: BankRail;
  country: string;
  currency: CurrencyCode;
  holderName: string;
  bankName: string;
  last4: string;
  routingNumber: string | null;
  /** The secret: the electronic IBAN or the account number. Encrypt it, never log or return it. */
  number: string;
}

export const HOLDER_NAME_LENGTH_MAX = 140;

/** The banks the sandbox knows by bank code or routing number; any other is shown by its code. */
const KNOWN_BANKS: Readonly<Record<string, string>> = {
  "DE:37040044": "Commerzbank",
  "DE:50010517": "ING-DiBa",
  "DE:10010010": "Postbank",
  "FR:30006": "Crédit Agricole",
  "NL:ABNA": "ABN AMRO",
  "NL:INGB": "ING Bank",
  "GB:NWBK": "NatWest",
  "US:011000015": "Federal Reserve Bank of Boston",
  "US:021000021": "JPMorgan Chase",
  "US:026009593": "Bank of America",
  "US:111000025": "Federal Reserve Bank of Dallas",
};

function invalid(message: string, field: string): DomainError {
  return new DomainError("BANK_ACCOUNT_INVALID", message, { field: [field] });
}

/** ABA routing number checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10). */
export function abaRoutingNumberValid(routing: string): boolean {
  if (!/^[0-9]{9}$/.test(routing)) return false;
  const d = [...routing].map(Number) as number[];
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  const sum = d.reduce((total, digit, index) => total + digit * (weights[index] as number), 0);
  return sum % 10 === 0;
}

export function parseBankAccount(input: BankAccountInput): ParsedBankAccount {
  const currency = parseCurrency(input.currency);
  if (currency === null)
    throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as EUR.", {
      field: ["currency"],
    });
  const holderName = input.holderName.trim();
  if (holderName.length === 0 || holderName.length > HOLDER_NAME_LENGTH_MAX)
    throw invalid(`holderName must be 1 to ${HOLDER_NAME_LENGTH_MAX} characters.`, "holderName");
  assertFreeText(holderName, { field: ["holderName"] });
  const hasIban = input.iban != null && input.iban !== "";
  const hasAch = input.routingNumber != null || input.accountNumber != null;
  if (hasIban === hasAch)
    throw invalid("Give either an IBAN, or a routing number and an account number.", "iban");
  if (hasIban) {
    const raw = input.iban as string;
    if (raw.length > 64) throw invalid("The IBAN is not valid.", "iban");
    const iban = electronicFormatIBAN(raw) ?? "";
    if (!validateIBAN(iban).valid)
      throw invalid("The IBAN is not valid (checksum or country format).", "iban");
    if (currency !== "EUR")
      throw new DomainError("BANK_ACCOUNT_INVALID", "A SEPA (IBAN) bank account takes EUR payouts only.", {
        field: ["currency"],
      });
    const parts = extractIBAN(iban);
    const country = parts.countryCode ?? iban.slice(0, 2);
    const bankCode = parts.bankIdentifier ?? "";
    return {
      rail: "SEPA",
      country,
      currency,
      holderName,
      bankName: KNOWN_BANKS[`${country}:${bankCode}`] ?? `Bank ${country} ${bankCode}`.trim(),
      last4: iban.slice(-4),
      routingNumber: null,
      number: iban,
    };
  }
  const routing = (input.routingNumber ?? "").trim();
  const account = (input.accountNumber ?? "").replace(/[\s-]/g, "");
  if (!abaRoutingNumberValid(routing))
    throw invalid("The routing number is not a valid 9-digit ABA number.", "routingNumber");
  if (!/^[0-9]{4,17}$/.test(account))
    throw invalid("The account number must be 4 to 17 digits.", "accountNumber");
  if (currency !== "USD")
    throw new DomainError("BANK_ACCOUNT_INVALID", "A US (ACH) bank account takes USD payouts only.", {
      field: ["currency"],
    });
  return {
    rail: "ACH",
    country: "US",
    currency,
    holderName,
    bankName: KNOWN_BANKS[`US:${routing}`] ?? `Bank ${routing}`,
    last4: account.slice(-4),
    routingNumber: routing,
    number: account,
  };
}
