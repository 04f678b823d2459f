// Sliding-window velocity counters in Redis: one sorted set per card, email,
// IP, device and merchant (member = request, score = time), updated and counted
// in one Lua call so concurrent payments never miss each other. Every call has a
// short deadline; past it the scorer falls back as configured.
import { createHash } from "node:crypto";
import type { VelocityCounts } from "@paycore/core/fraud/risk-types";
import type { VelocityAttempt, VelocityCounter, VelocitySnapshot } from "@paycore/core/ports/risk-data";
import type { Redis } from "ioredis";
import { UNAVAILABLE, withRedisDeadline } from "./redis-deadline";

/** Newest members kept per key: bounds memory and the 24-hour amount sum. */
const MEMBERS_MAX = 1000;
const NONE = "-";

// KEYS: 1 card, 2 email, 3 ip, 4 device, 5 merchant, 6 small:ip, 7 small:card, 8 declines:ip, 9 declines:card, 10 location:card
// ARGV: 1 now ms, 2 member, 3 small (1/0), 4 latitude ("" = none), 5 longitude, 6 members max
const RECORD_AND_COUNT = `
local now = tonumber(ARGV[1])
local member = ARGV[2]
local max = tonumber(ARGV[6])
local day, hour, ten = now - 86400000, now - 3600000, now - 600000
local function touch(key, window)
  redis.call("ZADD", key, now, member)
  redis.call("ZREMRANGEBYSCORE", key, "-inf", "(" .. (now - window))
  redis.call("ZREMRANGEBYRANK", key, 0, -(max + 1))
  redis.call("PEXPIRE", key, window + 3600000)
end
local windows = {}
for i = 1, 5 do
  if KEYS[i] == "${NONE}" then
    windows[i] = {-1, -1, -1}
  else
    touch(KEYS[i], 86400000)
    windows[i] = {redis.call("ZCOUNT", KEYS[i], ten, "+inf"), redis.call("ZCOUNT", KEYS[i], hour, "+inf"), redis.call("ZCARD", KEYS[i])}
  end
end
local cardMembers = redis.call("ZRANGEBYSCORE", KEYS[1], day, "+inf")
local small = {}
for i = 6, 7 do
  if KEYS[i] == "${NONE}" then
    small[i - 5] = -1
  else
    if ARGV[3] == "1" then touch(KEYS[i], 600000) end
    small[i - 5] = redis.call("ZCOUNT", KEYS[i], ten, "+inf")
  end
end
local declines = {}
for i = 8, 9 do
  if KEYS[i] == "${NONE}" then declines[i - 7] = -1 else declines[i - 7] = redis.call("ZCOUNT", KEYS[i], hour, "+inf") end
end
local previous = redis.call("HMGET", KEYS[10], "lat", "lng", "at")
if ARGV[4] ~= "" then
  redis.call("HSET", KEYS[10], "lat", ARGV[4], "lng", ARGV[5], "at", ARGV[1])
  redis.call("PEXPIRE", KEYS[10], 30 * 86400000)
end
return {windows, cardMembers, small, declines, previous}
`;

type ScriptResult = [number[][], string[], number[], number[], Array<string | null>];

export class RedisVelocityCounter implements VelocityCounter {
  private readonly script: { paycoreRecordAndCount(...keysAndArgs: string[]): Promise<ScriptResult> };

  constructor(private readonly redis: Redis) {
    // Sent once, then run by its SHA (EVALSHA): the script's 1.7 KB do not travel with every payment.
    redis.defineCommand("paycoreRecordAndCount", { numberOfKeys: 10, lua: RECORD_AND_COUNT });
    this.script = redis as unknown as typeof this.script;
  }

  async recordAndCount(attempt: VelocityAttempt): Promise<VelocitySnapshot | "unavailable"> {
    const keys = keysOf(attempt);
    // The request, not the payment: a retry that scores again before it finds its key taken counts once.
    const member = `${attempt.requestKey}|${attempt.amountMinor}|${attempt.currency}`;
    const result = await this.call(() =>
      this.script.paycoreRecordAndCount(
        ...keys,
        String(attempt.at.getTime()),
        member,
        attempt.small ? "1" : "0",
        attempt.location ? String(attempt.location.latitude) : "",
        attempt.location ? String(attempt.location.longitude) : "",
        String(MEMBERS_MAX),
      ),
    );
    if (result === UNAVAILABLE) return "unavailable";
    const [windows, cardMembers, small, declines, previous] = result;
    const counts = (i: number, amount24hMinor = 0n): VelocityCounts | null => {
      const w = windows[i];
      if (!w || w[0] === -1) return null;
      return { count10m: Number(w[0]), count1h: Number(w[1]), count24h: Number(w[2]), amount24hMinor };
    };
    // Sum in bigint here: Lua numbers are doubles and would round large amounts.
    let cardAmount24hMinor = 0n;
    for (const entry of cardMembers) {
      const [, amount, currency] = entry.split("|");
      if (currency === attempt.currency && amount) cardAmount24hMinor += BigInt(amount);
    }
    const orNull = (n: number | undefined) => (n === undefined || n === -1 ? null : Number(n));
    const [lat, lng, at] = previous;
    return {
      velocity: {
        card: counts(0, cardAmount24hMinor),
        email: counts(1),
        ip: counts(2),
        device: counts(3),
        merchant: counts(4),
        smallAttempts10m: { ip: orNull(small[0]), card: orNull(small[1]) },
        declines1h: { ip: orNull(declines[0]), card: orNull(declines[1]) },
      },
      previousCardLocation:
        lat && lng && at ? { latitude: Number(lat), longitude: Number(lng), at: new Date(Number(at)) } : null,
    };
  }

  async recordDecline(
    attempt: Pick<VelocityAttempt, "mode" | "cardFingerprint" | "ipAddress" | "at" | "paymentId">,
  ): Promise<void> {
    const at = attempt.at.getTime();
    await this.call(async () => {
      const pipeline = this.redis.multi();
      for (const key of [
        `vel:${attempt.mode}:declines:card:${attempt.cardFingerprint}`,
        attempt.ipAddress ? `vel:${attempt.mode}:declines:ip:${attempt.ipAddress}` : null,
      ]) {
        if (!key) continue;
        pipeline.zadd(key, at, attempt.paymentId);
        pipeline.zremrangebyscore(key, "-inf", `(${at - 3_600_000}`);
        pipeline.pexpire(key, 2 * 3_600_000);
      }
      return pipeline.exec();
    });
  }

  private call<T>(command: () => Promise<T>): Promise<T | typeof UNAVAILABLE> {
    return withRedisDeadline(this.redis, command);
  }
}

/** Keys per mode; e-mail addresses are hashed so Redis holds no personal data in clear. */
function keysOf(attempt: VelocityAttempt): string[] {
  const prefix = `vel:${attempt.mode}`;
  const merchant = attempt.merchantId;
  const email = attempt.email ? createHash("sha256").update(attempt.email).digest("hex").slice(0, 32) : null;
  return [
    `${prefix}:card:${attempt.cardFingerprint}`,
    email ? `${prefix}:email:${merchant}:${email}` : NONE,
    attempt.ipAddress ? `${prefix}:ip:${merchant}:${attempt.ipAddress}` : NONE,
    attempt.deviceId ? `${prefix}:device:${merchant}:${attempt.deviceId}` : NONE,
    `${prefix}:merchant:${merchant}`,
    attempt.ipAddress ? `${prefix}:small:ip:${attempt.ipAddress}` : NONE,
    `${prefix}:small:card:${attempt.cardFingerprint}`,
    attempt.ipAddress ? `${prefix}:declines:ip:${attempt.ipAddress}` : NONE,
    `${prefix}:declines:card:${attempt.cardFingerprint}`,
    `loc:${attempt.mode}:card:${attempt.cardFingerprint}`,
  ];
}
