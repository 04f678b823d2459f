"use client";
// Operators' forms on a merchant's balance page: its automatic payouts in one currency (interval, anchor day,
// delay, minimum) and, for admins, its reserve in one currency (rolling rate and days, fixed amount). Each goes
// through the core's PayoutCommands, audited in the same transaction. The form plumbing is settings-form.tsx.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../../../../trpc/client";
import {
  CurrencyField,
  MinorUnitsField,
  SettingsForm,
  useRefreshOnSave,
  WholeNumberField,
} from "../../settings-form";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
/** A non-negative amount in minor units without leading zeros, at most 18 digits. */
const MINOR_UNITS = "^(0|[1-9][0-9]{0,17})$";

export function PayoutScheduleForm({
  merchantId,
  mode,
  initial,
}: {
  merchantId: string;
  mode: "TEST" | "LIVE";
  initial: {
    currency: string;
    interval: "DAILY" | "WEEKLY" | "MONTHLY" | "MANUAL";
    weeklyAnchor: number;
    monthlyAnchor: number;
    delayDays: number;
    minimumMinor: string;
  };
}) {
  const trpc = useTRPC();
  const [currency, setCurrency] = useState(initial.currency);
  const [interval, setInterval] = useState(initial.interval);
  const [weeklyAnchor, setWeeklyAnchor] = useState(initial.weeklyAnchor);
  const [monthlyAnchor, setMonthlyAnchor] = useState(initial.monthlyAnchor);
  const [delayDays, setDelayDays] = useState(initial.delayDays);
  const [minimumMinor, setMinimumMinor] = useState(initial.minimumMinor);
  const update = useMutation(trpc.payouts.setSchedule.mutationOptions(useRefreshOnSave()));
  const submit = () =>
    update.mutate({
      merchantId,
      mode,
      currency: currency.trim().toUpperCase(),
      interval,
      weeklyAnchor: interval === "WEEKLY" ? weeklyAnchor : null,
      monthlyAnchor: interval === "MONTHLY" ? monthlyAnchor : null,
      delayDays,
      minimumMinor: minimumMinor.trim() === "" ? "0" : minimumMinor.trim(),
    });
  return (
    <SettingsForm label="Payout schedule" submitLabel="Save schedule" mutation={update} onSubmit={submit}>
      <CurrencyField value={currency} placeholder="EUR" onChange={setCurrency} />
      <label className="field">
        Interval
        <select
          value={interval}
          onChange={(event) => setInterval(event.target.value as "DAILY" | "WEEKLY" | "MONTHLY" | "MANUAL")}
        >
          <option value="DAILY">Daily</option>
          <option value="WEEKLY">Weekly</option>
          <option value="MONTHLY">Monthly</option>
          <option value="MANUAL">Off (manual payouts only)</option>
        </select>
      </label>
      {interval === "WEEKLY" ? (
        <label className="field">
          Weekday
          <select value={weeklyAnchor} onChange={(event) => setWeeklyAnchor(Number(event.target.value))}>
            {WEEKDAYS.map((day, index) => (
              <option key={day} value={index + 1}>
                {day}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {interval === "MONTHLY" ? (
        <WholeNumberField
          label="Day of the month (1–31)"
          min={1}
          max={31}
          value={monthlyAnchor}
          onChange={setMonthlyAnchor}
        />
      ) : null}
      <WholeNumberField
        label="Delay (days, 0–30)"
        min={0}
        max={30}
        value={delayDays}
        onChange={setDelayDays}
      />
      <MinorUnitsField
        label="Minimum (minor units)"
        value={minimumMinor}
        onChange={setMinimumMinor}
        pattern={MINOR_UNITS}
        maxLength={18}
      />
    </SettingsForm>
  );
}

export function ReserveForm({
  merchantId,
  mode,
  initial,
}: {
  merchantId: string;
  mode: "TEST" | "LIVE";
  initial: { currency: string; rollingBps: number; rollingDays: number; fixedMinor: string };
}) {
  const trpc = useTRPC();
  const [currency, setCurrency] = useState(initial.currency);
  const [rollingBps, setRollingBps] = useState(initial.rollingBps);
  const [rollingDays, setRollingDays] = useState(initial.rollingDays);
  const [fixedMinor, setFixedMinor] = useState(initial.fixedMinor);
  const [reason, setReason] = useState("");
  const update = useMutation(trpc.payouts.setReserve.mutationOptions(useRefreshOnSave()));
  const submit = () =>
    update.mutate({
      merchantId,
      mode,
      currency: currency.trim().toUpperCase(),
      rollingBps,
      rollingDays,
      fixedMinor: fixedMinor.trim() === "" ? "0" : fixedMinor.trim(),
      ...(reason.trim() === "" ? {} : { reason: reason.trim() }),
    });
  const pendingApproval = update.data?.approvalRequestId ?? null;
  return (
    <SettingsForm
      label="Reserve"
      submitLabel="Save reserve"
      mutation={update}
      onSubmit={submit}
      status={
        pendingApproval ? (
          <p className="notice" role="status">
            Waiting for a second admin's approval (request {pendingApproval}).
          </p>
        ) : null
      }
    >
      <CurrencyField value={currency} placeholder="EUR" onChange={setCurrency} />
      <WholeNumberField
        label="Rolling reserve (bps, 0–5000)"
        min={0}
        max={5_000}
        value={rollingBps}
        onChange={setRollingBps}
      />
      <WholeNumberField
        label="Held for (days, 0–180)"
        min={0}
        max={180}
        value={rollingDays}
        onChange={setRollingDays}
      />
      <MinorUnitsField
        label="Fixed reserve (minor units)"
        value={fixedMinor}
        onChange={setFixedMinor}
        pattern={MINOR_UNITS}
        maxLength={18}
      />
      <label className="field">
        Reason (needed above the four-eyes threshold)
        <input maxLength={500} value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
    </SettingsForm>
  );
}
