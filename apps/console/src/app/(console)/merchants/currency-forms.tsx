"use client";
// Admin forms for a merchant's currencies (multiple currencies, issue 18): the settlement currencies and FX fee,
// the fixed fee and the dispute fee in one currency (set, or removed so that the default applies). Every change goes through
// the core's command and is audited there.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../../../trpc/client";
import { SaveStatus } from "./save-status";

export function SettlementForm({
  merchantId,
  initial,
}: {
  merchantId: string;
  initial: { settlementCurrencies: string[]; fxFeeBps: number };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [currencies, setCurrencies] = useState(initial.settlementCurrencies.join(" "));
  const [fxFeeBps, setFxFeeBps] = useState(initial.fxFeeBps);
  const update = useMutation(
    trpc.merchants.setSettlement.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const settlementCurrencies = currencies
      .toUpperCase()
      .split(/[\s,]+/)
      .filter((code) => code.length > 0);
    update.mutate({ merchantId, settlementCurrencies, fxFeeBps });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Settlement currencies">
      <label className="field">
        Settlement currencies (first is the conversion target)
        <input
          value={currencies}
          maxLength={60}
          placeholder="USD EUR"
          pattern="^[A-Za-z]{3}([ ,]+[A-Za-z]{3})*$|^$"
          onChange={(event) => setCurrencies(event.target.value)}
        />
      </label>
      <label className="field">
        FX fee (bps, 0–1000)
        <input
          type="number"
          required
          min={0}
          max={1_000}
          step={1}
          value={fxFeeBps}
          onChange={(event) => setFxFeeBps(event.target.value === "" ? 0 : Number(event.target.value))}
        />
      </label>
      <button type="submit" disabled={update.isPending}>
        Save settlement
      </button>
      <SaveStatus mutation={update} />
    </form>
  );
}

export function FixedFeeForm({ merchantId }: { merchantId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [currency, setCurrency] = useState("");
  const [fixedMinor, setFixedMinor] = useState("");
  const update = useMutation(
    trpc.merchants.setFixedFee.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({
      merchantId,
      currency: currency.trim().toUpperCase(),
      fixedMinor: fixedMinor.trim() === "" ? null : fixedMinor.trim(),
    });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Fixed fee in one currency">
      <label className="field">
        Currency
        <input
          required
          value={currency}
          maxLength={3}
          pattern="[A-Za-z]{3}"
          placeholder="JPY"
          onChange={(event) => setCurrency(event.target.value)}
        />
      </label>
      <label className="field">
        Fixed fee (minor units; empty: default)
        <input
          inputMode="numeric"
          value={fixedMinor}
          maxLength={15}
          pattern="[0-9]*"
          onChange={(event) => setFixedMinor(event.target.value)}
        />
      </label>
      <button type="submit" disabled={update.isPending}>
        Set fixed fee
      </button>
      <SaveStatus mutation={update} />
    </form>
  );
}

/** Fees per card funding type (issue 18): a rate and an optional fixed fee for credit, debit or prepaid cards. */
export function FundingFeeForm({ merchantId }: { merchantId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [fundingType, setFundingType] = useState<"credit" | "debit" | "prepaid">("debit");
  const [rateBps, setRateBps] = useState("");
  const [fixedHundredths, setFixedHundredths] = useState("");
  const update = useMutation(
    trpc.merchants.setFundingFee.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    // An empty rate removes the rule: cards of this funding type pay the default again.
    update.mutate({
      merchantId,
      fundingType,
      fee:
        rateBps.trim() === ""
          ? null
          : {
              rateBps: Number(rateBps),
              fixedHundredths: fixedHundredths.trim() === "" ? null : fixedHundredths.trim(),
            },
    });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Fee per card funding type">
      <label className="field">
        Funding type
        <select
          value={fundingType}
          onChange={(event) => setFundingType(event.target.value as "credit" | "debit" | "prepaid")}
        >
          <option value="credit">credit</option>
          <option value="debit">debit</option>
          <option value="prepaid">prepaid</option>
        </select>
      </label>
      <label className="field">
        Rate (bps, 0–10000; empty: remove)
        <input
          type="number"
          min={0}
          max={10_000}
          step={1}
          value={rateBps}
          onChange={(event) => setRateBps(event.target.value)}
        />
      </label>
      <label className="field">
        Fixed fee (hundredths; empty: usual)
        <input
          inputMode="numeric"
          value={fixedHundredths}
          maxLength={15}
          pattern="[0-9]*"
          onChange={(event) => setFixedHundredths(event.target.value)}
        />
      </label>
      <button type="submit" disabled={update.isPending}>
        Set funding fee
      </button>
      <SaveStatus mutation={update} />
    </form>
  );
}

/** The dispute fee in one currency (issue 17): charged when a dispute's money is withdrawn; empty: the default. */
export function DisputeFeeForm({ merchantId }: { merchantId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [currency, setCurrency] = useState("");
  const [feeMinor, setFeeMinor] = useState("");
  const update = useMutation(
    trpc.merchants.setDisputeFee.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({
      merchantId,
      currency: currency.trim().toUpperCase(),
      feeMinor: feeMinor.trim() === "" ? null : feeMinor.trim(),
    });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Dispute fee in one currency">
      <label className="field">
        Dispute fee currency
        <input
          required
          value={currency}
          maxLength={3}
          pattern="[A-Za-z]{3}"
          placeholder="USD"
          onChange={(event) => setCurrency(event.target.value)}
        />
      </label>
      <label className="field">
        Dispute fee (minor units; empty: default)
        <input
          inputMode="numeric"
          value={feeMinor}
          maxLength={15}
          pattern="[0-9]*"
          onChange={(event) => setFeeMinor(event.target.value)}
        />
      </label>
      <button type="submit" disabled={update.isPending}>
        Set dispute fee
      </button>
      <SaveStatus mutation={update} />
    </form>
  );
}
