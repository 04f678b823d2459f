"use client";
// Admin forms for a merchant's currencies (multiple currencies, issue 18): the settlement currencies and FX fee,
// the fixed fee and the dispute fee in one currency (set, or removed so that the default applies). Every change goes through
// the core's command and is audited there. The form plumbing is settings-form.tsx.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../../trpc/client";
import {
  CurrencyField,
  MinorUnitsField,
  SettingsForm,
  textOrNull,
  useRefreshOnSave,
  WholeNumberField,
} from "./settings-form";

export function SettlementForm({
  merchantId,
  initial,
}: {
  merchantId: string;
  initial: { settlementCurrencies: string[]; fxFeeBps: number };
}) {
  const trpc = useTRPC();
  const [currencies, setCurrencies] = useState(initial.settlementCurrencies.join(" "));
  const [fxFeeBps, setFxFeeBps] = useState(initial.fxFeeBps);
  const update = useMutation(trpc.merchants.setSettlement.mutationOptions(useRefreshOnSave()));
  const submit = () => {
    const settlementCurrencies = currencies
      .toUpperCase()
      .split(/[\s,]+/)
      .filter((code) => code.length > 0);
    update.mutate({ merchantId, settlementCurrencies, fxFeeBps });
  };
  return (
    <SettingsForm
      label="Settlement currencies"
      submitLabel="Save settlement"
      mutation={update}
      onSubmit={submit}
    >
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
      <WholeNumberField
        label="FX fee (bps, 0–1000)"
        min={0}
        max={1_000}
        value={fxFeeBps}
        onChange={setFxFeeBps}
      />
    </SettingsForm>
  );
}

export function FixedFeeForm({ merchantId }: { merchantId: string }) {
  const trpc = useTRPC();
  const [currency, setCurrency] = useState("");
  const [fixedMinor, setFixedMinor] = useState("");
  const update = useMutation(trpc.merchants.setFixedFee.mutationOptions(useRefreshOnSave()));
  const submit = () =>
    update.mutate({
      merchantId,
      currency: currency.trim().toUpperCase(),
      fixedMinor: textOrNull(fixedMinor),
    });
  return (
    <SettingsForm
      label="Fixed fee in one currency"
      submitLabel="Set fixed fee"
      mutation={update}
      onSubmit={submit}
    >
      <CurrencyField value={currency} placeholder="JPY" onChange={setCurrency} />
      <MinorUnitsField
        label="Fixed fee (minor units; empty: default)"
        value={fixedMinor}
        onChange={setFixedMinor}
      />
    </SettingsForm>
  );
}

/** Fees per card funding type (issue 18): a rate and an optional fixed fee for credit, debit or prepaid cards. */
export function FundingFeeForm({ merchantId }: { merchantId: string }) {
  const trpc = useTRPC();
  const [fundingType, setFundingType] = useState<"credit" | "debit" | "prepaid">("debit");
  const [rateBps, setRateBps] = useState("");
  const [fixedHundredths, setFixedHundredths] = useState("");
  const update = useMutation(trpc.merchants.setFundingFee.mutationOptions(useRefreshOnSave()));
  const submit = () => {
    // An empty rate removes the rule: cards of this funding type pay the default again.
    update.mutate({
      merchantId,
      fundingType,
      fee:
        rateBps.trim() === ""
          ? null
          : { rateBps: Number(rateBps), fixedHundredths: textOrNull(fixedHundredths) },
    });
  };
  return (
    <SettingsForm
      label="Fee per card funding type"
      submitLabel="Set funding fee"
      mutation={update}
      onSubmit={submit}
    >
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
      {/* Not a WholeNumberField: empty is meaningful here (remove the rule), not 0. */}
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
      <MinorUnitsField
        label="Fixed fee (hundredths; empty: usual)"
        value={fixedHundredths}
        onChange={setFixedHundredths}
      />
    </SettingsForm>
  );
}

/** The dispute fee in one currency (issue 17): charged when a dispute's money is withdrawn; empty: the default. */
export function DisputeFeeForm({ merchantId }: { merchantId: string }) {
  const trpc = useTRPC();
  const [currency, setCurrency] = useState("");
  const [feeMinor, setFeeMinor] = useState("");
  const update = useMutation(trpc.merchants.setDisputeFee.mutationOptions(useRefreshOnSave()));
  const submit = () =>
    update.mutate({ merchantId, currency: currency.trim().toUpperCase(), feeMinor: textOrNull(feeMinor) });
  return (
    <SettingsForm
      label="Dispute fee in one currency"
      submitLabel="Set dispute fee"
      mutation={update}
      onSubmit={submit}
    >
      <CurrencyField label="Dispute fee currency" value={currency} placeholder="USD" onChange={setCurrency} />
      <MinorUnitsField
        label="Dispute fee (minor units; empty: default)"
        value={feeMinor}
        onChange={setFeeMinor}
      />
    </SettingsForm>
  );
}
