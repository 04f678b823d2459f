// Sliding-window velocity counters in Redis: one sorted set per card, email,
// IP, device and merchant (member = request, score = time), updated and counted
// in one Lua call so concurrent payments never miss each other. Every call has a
// short deadline; past it the scorer falls back as configured.
//
// On Redis Cluster one script cannot touch keys in several hash slots, so each
// key carries a hash tag of the entity it counts (the card's keys share
// `{mode:card:…}`, the IP's share `{mode:ip:…}`) and the script runs once per
// entity, in parallel, with the other entities' keys replaced by an absent
// marker in the same slot; the answers are merged. A single Redis runs it once.
import type { VelocityCounts } from "@paycore/core/fraud/risk-types";
import type { VelocityAttempt, VelocityCounter, VelocitySnapshot } from "@paycore/core/ports/risk-data";
import { formatGeoPoint, type PiiVault, parseGeoPoint } from "@paycore/core/vault/pii-vault";
import { isCluster, type RedisClient } from "./redis-client";
import { UNAVAILABLE, withRedisDeadline } from "./redis-deadline";

/** Newest members kept per key: bounds memory and the 24-hour amount sum. */
const MEMBERS_MAX = 1000;
/** A key slot the script skips: absent data (no e-mail, no IP) or another entity's key on a cluster. */
const ABSENT_SUFFIX = ":-";
const NONE = `none${ABSENT_SUFFIX}`;

// KEYS: 1 card, 2 email, 3 ip, 4 device, 5 merchant, 6 small:ip, 7 small:card, 8 declines:ip, 9 declines:card, 10 location:card
// ARGV: 1 now ms, 2 member, 3 small (1/0), 4 latitude ("" = none), 5 longitude, 6 members max
const RECORD_AND_COUNT = `
local now = tonumber(ARGV[1])
local member = ARGV[2]
local max = tonumber(ARGV[6])
local day, hour, ten = now - 86400000, now - 3600000, now - 600000
local function absent(key) return string.sub(key, -2) == "${ABSENT_SUFFIX}" end
local function touch(key, window)
  redis.call("ZADD", key, now, member)
  redis.call("ZREMRANGEBYSCORE", key, "-inf", "(" .. (now - window))
  redis.call("ZREMRANGEBYRANK", key, 0, -(max + 1))
  redis.call("PEXPIRE", key, window + 3600000)
end
local windows = {}
for i = 1, 5 do
  if absent(KEYS[i]) then
    windows[i] = {-1, -1, -1}
  else
    touch(KEYS[i], 86400000)
    windows[i] = {redis.call("ZCOUNT", KEYS[i], ten, "+inf"), redis.call("ZCOUNT", KEYS[i], hour, "+inf"), redis.call("ZCARD", KEYS[i])}
  end
end
local cardMembers = {}
if not absent(KEYS[1]) then cardMembers = redis.call("ZRANGEBYSCORE", KEYS[1], day, "+inf") end
local small = {}
for i = 6, 7 do
  if absent(KEYS[i]) then
    small[i - 5] = -1
  else
    if ARGV[3] == "1" then touch(KEYS[i], 600000) end
    small[i - 5] = redis.call("ZCOUNT", KEYS[i], ten, "+inf")
  end
end
local declines = {}
for i = 8, 9 do
  if absent(KEYS[i]) then declines[i - 7] = -1 else declines[i - 7] = redis.call("ZCOUNT", KEYS[i], hour, "+inf") end
end
local previous = {false, false, false}
if not absent(KEYS[10]) then previous = redis.call("HMGET", KEYS[10], "lat", "lng", "at") end
if ARGV[4] ~= "" and not absent(KEYS[10]) then
  redis.call("HSET", KEYS[10], "lat", ARGV[4], "lng", ARGV[5], "at", ARGV[1])
  redis.call("PEXPIRE", KEYS[10], 30 * 86400000)
end
return {windows, cardMembers, small, declines, previous}
`;

type ScriptResult = [number[][], string[], number[], number[], Array<string | null>];

export class RedisVelocityCounter implements VelocityCounter {
  private readonly script: { paycoreRecordAndCount(...keysAndArgs: string[]): Promise<ScriptResult> };

  constructor(
    private readonly redis: RedisClient,
    /** E-mails and IPs become their blind indexes in key names: Redis holds neither in clear (issue 22). */
    private readonly blindIndex: BlindIndex,
    /**
     * Seals the card's last location (kind geo, scope LOCATION_SCOPE) so Redis does not hold where a customer was
     * in clear for the key's 30 days (issue 22). Without it (tests of the counters alone) the coordinates are
     * stored as numbers.
     */
    private readonly locations: Pick<PiiVault, "seal" | "open"> | null = null,
  ) {
    // Sent once, then run by its SHA (EVALSHA): the script's 1.7 KB do not travel with every payment.
    redis.defineCommand("paycoreRecordAndCount", { numberOfKeys: 10, lua: RECORD_AND_COUNT });
    this.script = redis as unknown as typeof this.script;
  }

  async recordAndCount(attempt: VelocityAttempt): Promise<VelocitySnapshot | "unavailable"> {
    const keys = keysOf(attempt, this.blindIndex);
    // The request, not the payment: a retry that scores again before it finds its key taken counts once.
    const member = `${attempt.requestKey}|${attempt.amountMinor}|${attempt.currency}`;
    const args = [
      String(attempt.at.getTime()),
      member,
      attempt.small ? "1" : "0",
      ...this.locationArgs(attempt.location),
      String(MEMBERS_MAX),
    ];
    const result = await this.call(async () => {
      if (!isCluster(this.redis)) return this.script.paycoreRecordAndCount(...keys, ...args);
      const calls = slotGroups(keys);
      const answers = await Promise.all(
        calls.map((call) => this.script.paycoreRecordAndCount(...call.keys, ...args)),
      );
      return mergeGroupResults(calls, answers);
    });
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
    const point = this.openLocation(lat ?? null, lng ?? null);
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
      previousCardLocation: point && at ? { ...point, at: new Date(Number(at)) } : null,
    };
  }

  /** ARGV 4 and 5: the sealed point and a marker, or the two numbers (no vault), or none. */
  private locationArgs(location: VelocityAttempt["location"]): [string, string] {
    if (location === null) return ["", ""];
    if (this.locations === null) return [String(location.latitude), String(location.longitude)];
    return [this.locations.seal("geo", LOCATION_SCOPE, formatGeoPoint(location)) as string, SEALED_MARKER];
  }

  /** The point a location hash holds: sealed (opened here), as numbers (stored without a vault, or before it). */
  private openLocation(
    lat: string | null,
    lng: string | null,
  ): { latitude: number; longitude: number } | null {
    if (!lat || !lng) return null;
    if (lng === SEALED_MARKER) {
      if (this.locations === null) return null;
      try {
        return parseGeoPoint(this.locations.open("geo", LOCATION_SCOPE, lat));
      } catch {
        // Sealed under a key no longer in the keyring: no previous location, as if it had expired.
        return null;
      }
    }
    return { latitude: Number(lat), longitude: Number(lng) };
  }

  async recordDecline(
    attempt: Pick<VelocityAttempt, "mode" | "cardFingerprint" | "ipAddress" | "at" | "paymentId">,
  ): Promise<void> {
    const at = attempt.at.getTime();
    // One MULTI per key: the card's and the IP's keys live in different hash slots on a cluster.
    const keys = [
      `vel:${cardTag(attempt.mode, attempt.cardFingerprint)}:declines`,
      attempt.ipAddress
        ? `vel:${ipTag(attempt.mode, this.blindIndex("ip", attempt.ipAddress))}:declines`
        : null,
    ].filter((key): key is string => key !== null);
    await this.call(() =>
      Promise.all(
        keys.map((key) =>
          this.redis
            .multi()
            .zadd(key, at, attempt.paymentId)
            .zremrangebyscore(key, "-inf", `(${at - 3_600_000}`)
            .pexpire(key, 2 * 3_600_000)
            .exec(),
        ),
      ),
    );
  }

  private call<T>(command: () => Promise<T>): Promise<T | typeof UNAVAILABLE> {
    return withRedisDeadline(this.redis, command);
  }
}

/**
 * The associated data's scope of a sealed card location in Redis: the key is the card's across merchants, so the
 * scope is not a merchant; "velocity" is never a merchant id (those are mer_…).
 */
export const LOCATION_SCOPE = "velocity";
/** What the `lng` field holds beside a sealed point in `lat`. */
const SEALED_MARKER = "sealed";

const cardTag = (mode: string, fingerprint: string) => `{${mode}:card:${fingerprint}}`;
/** The blind index of an IP (the IP's tag) or e-mail: PiiVault.blindIndex, keyed from the vault's secrets. */
export type BlindIndex = (kind: "email" | "ip", value: string) => string;

const ipTag = (mode: string, ipIndex: string) => `{${mode}:ip:${ipIndex.slice(0, 32)}}`;

/**
 * Keys per mode, in the script's KEYS order; e-mail addresses and IPs appear only as their keyed blind indexes
 * (128 bits of them) so Redis holds no personal data in clear, nor a hash that a dictionary reverses. The `{…}`
 * hash tag names the entity a key counts: the keys of one card share a slot, as do an IP's.
 */
export function keysOf(attempt: VelocityAttempt, blindIndex: BlindIndex): string[] {
  const mode = attempt.mode;
  const merchant = attempt.merchantId;
  const card = cardTag(mode, attempt.cardFingerprint);
  const ip = attempt.ipAddress ? ipTag(mode, blindIndex("ip", attempt.ipAddress)) : null;
  const email = attempt.email ? blindIndex("email", attempt.email).slice(0, 32) : null;
  return [
    `vel:${card}`,
    email ? `vel:{${mode}:email:${merchant}:${email}}` : NONE,
    ip ? `vel:${ip}:merchant:${merchant}` : NONE,
    attempt.deviceId ? `vel:{${mode}:device:${merchant}:${attempt.deviceId}}` : NONE,
    `vel:{${mode}:merchant:${merchant}}`,
    ip ? `vel:${ip}:small` : NONE,
    `vel:${card}:small`,
    ip ? `vel:${ip}:declines` : NONE,
    `vel:${card}:declines`,
    `loc:${card}`,
  ];
}

/** KEYS positions (0-based) of each entity: card (its counts, small, declines, location), e-mail, IP, device, merchant. */
export const ENTITY_KEY_POSITIONS: ReadonlyArray<readonly number[]> = [
  [0, 6, 8, 9],
  [1],
  [2, 5, 7],
  [3],
  [4],
];

interface SlotCall {
  positions: readonly number[];
  keys: string[];
}

/** One script call per entity present; the other positions get an absent marker in that entity's slot. */
export function slotGroups(keys: readonly string[]): SlotCall[] {
  const calls: SlotCall[] = [];
  for (const positions of ENTITY_KEY_POSITIONS) {
    const anchor = keys[positions[0] ?? -1];
    if (!anchor || anchor === NONE) continue;
    const marker = `${anchor}${ABSENT_SUFFIX}`;
    calls.push({ positions, keys: keys.map((key, i) => (positions.includes(i) ? key : marker)) });
  }
  return calls;
}

/** Each position's answer from the call that owned it. */
export function mergeGroupResults(
  calls: readonly SlotCall[],
  answers: readonly ScriptResult[],
): ScriptResult {
  const windows: number[][] = Array.from({ length: 5 }, () => [-1, -1, -1]);
  const small = [-1, -1];
  const declines = [-1, -1];
  let cardMembers: string[] = [];
  let previous: Array<string | null> = [null, null, null];
  calls.forEach((call, c) => {
    const [w, members, s, d, p] = answers[c] as ScriptResult;
    for (const i of call.positions) {
      if (i < 5) windows[i] = w[i] ?? [-1, -1, -1];
      if (i === 5 || i === 6) small[i - 5] = s[i - 5] ?? -1;
      if (i === 7 || i === 8) declines[i - 7] = d[i - 7] ?? -1;
      if (i === 0) cardMembers = members;
      if (i === 9) previous = p;
    }
  });
  return [windows, cardMembers, small, declines, previous];
}
