"use client";
// Operators' forms on a merchant's balance page: its automatic payouts in one currency (interval, anchor day,
// delay, minimum) and, for admins, its reserve in one currency (rolling rate and days, fixed amount). Each goes
// through the core's PayoutCommands, audited in the same transaction.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../../../../../trpc/client";
import { SaveStatus } from "../../save-status";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

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
  const router = useRouter();
  const [currency, setCurrency] = useState(initial.currency);
  const [interval, setInterval] = useState(initial.interval);
  const [weeklyAnchor, setWeeklyAnchor] = useState(initial.weeklyAnchor);
  const [monthlyAnchor, setMonthlyAnchor] = useState(initial.monthlyAnchor);
  const [delayDays, setDelayDays] = useState(initial.delayDays);
  const [minimumMinor, setMinimumMinor] = useState(initial.minimumMinor);
  const update = useMutation(trpc.payouts.setSchedule.mutationOptions({ onSuccess: () => router.refresh() }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
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
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Payout schedule">
      <label className="field">
        Currency
        <input
          value={currency}
          required
          maxLength={3}
          pattern="^[A-Za-z]{3}$"
          placeholder="EUR"
          onChange={(event) => setCurrency(event.target.value)}
        />
      </label>
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
        <label className="field">
          Day of the month (1–31)
          <input
            type="number"
            required
            min={1}
            max={31}
            step={1}
            value={monthlyAnchor}
            onChange={(event) => setMonthlyAnchor(Number(event.target.value))}
          />
        </label>
      ) : null}
      <label className="field">
        Delay (days, 0–30)
        <input
          type="number"
          required
          min={0}
          max={30}
          step={1}
          value={delayDays}
          onChange={(event) => setDelayDays(event.target.value === "" ? 0 : Number(event.target.value))}
        />
      </label>
      <label className="field">
        Minimum (minor units)
        <input
          inputMode="numeric"
          pattern="^(0|[1-9][0-9]{0,17})$"
          value={minimumMinor}
          onChange={(event) => setMinimumMinor(event.target.value)}
        />
      </label>
      <button type="submit" disabled={update.isPending}>
        Save schedule
      </button>
      <SaveStatus mutation={update} />
    </form>
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
  const router = useRouter();
  const [currency, setCurrency] = useState(initial.currency);
  const [rollingBps, setRollingBps] = useState(initial.rollingBps);
  const [rollingDays, setRollingDays] = useState(initial.rollingDays);
  const [fixedMinor, setFixedMinor] = useState(initial.fixedMinor);
  const [reason, setReason] = useState("");
  const update = useMutation(trpc.payouts.setReserve.mutationOptions({ onSuccess: () => router.refresh() }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({
      merchantId,
      mode,
      currency: currency.trim().toUpperCase(),
      rollingBps,
      rollingDays,
      fixedMinor: fixedMinor.trim() === "" ? "0" : fixedMinor.trim(),
      ...(reason.trim() === "" ? {} : { reason: reason.trim() }),
    });
  };
  const pendingApproval = update.data?.approvalRequestId ?? null;
  return (
    <form className="filters" onSubmit={submit} aria-label="Reserve">
      <label className="field">
        Currency
        <input
          value={currency}
          required
          maxLength={3}
          pattern="^[A-Za-z]{3}$"
          placeholder="EUR"
          onChange={(event) => setCurrency(event.target.value)}
        />
      </label>
      <label className="field">
        Rolling reserve (bps, 0–5000)
        <input
          type="number"
          required
          min={0}
          max={5_000}
          step={1}
          value={rollingBps}
          onChange={(event) => setRollingBps(event.target.value === "" ? 0 : Number(event.target.value))}
        />
      </label>
      <label className="field">
        Held for (days, 0–180)
        <input
          type="number"
          required
          min={0}
          max={180}
          step={1}
          value={rollingDays}
          onChange={(event) => setRollingDays(event.target.value === "" ? 0 : Number(event.target.value))}
        />
      </label>
      <label className="field">
        Fixed reserve (minor units)
        <input
          inputMode="numeric"
          pattern="^(0|[1-9][0-9]{0,17})$"
          value={fixedMinor}
          onChange={(event) => setFixedMinor(event.target.value)}
        />
      </label>
      <label className="field">
        Reason (needed above the four-eyes threshold)
        <input maxLength={500} value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
      <button type="submit" disabled={update.isPending}>
        Save reserve
      </button>
      {pendingApproval ? (
        <p className="notice" role="status">
          Waiting for a second admin's approval (request {pendingApproval}).
        </p>
      ) : (
        <SaveStatus mutation={update} />
      )}
    </form>
  );
}
