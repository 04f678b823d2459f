// Starts TOTP enrolment for the signed-in operator: a fresh secret, kept
// encrypted and pending until a code from it is confirmed. The secret goes back
// to this operator once, as text, as an otpauth:// URI and as a QR code (an SVG
// drawn here: nothing is fetched from anywhere).
import { TRPCError } from "@trpc/server";
import QRCode from "qrcode";
import { encryptTotpSecret, newTotpSecret, totpUri } from "../../../auth/totp";
import type { SignedInContext } from "../../trpc";

export interface TotpEnrolment {
  secret: string;
  uri: string;
  /** data:image/svg+xml URL of the URI's QR code (the CSP allows data: images). */
  qrDataUrl: string;
}

export async function totpBeginHandler({ ctx }: { ctx: SignedInContext }): Promise<TotpEnrolment> {
  const { services, session } = ctx;
  const { operator } = session;
  const secret = newTotpSecret();
  const saved = await services.operators.savePendingTotpSecret(
    operator.id,
    encryptTotpSecret(services.totpKeyring, secret, operator.id),
  );
  if (!saved) {
    throw new TRPCError({ code: "CONFLICT", message: "Two-factor authentication is already on." });
  }
  const uri = totpUri(operator.email, secret);
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return { secret, uri, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}` };
}
