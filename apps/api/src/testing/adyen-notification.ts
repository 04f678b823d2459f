// Test helper: one Adyen-style notification item, signed with the test HMAC key (the Adyen API library's own
// validator), posted to the app's webhook route as Adyen posts it.
import { hmacValidator } from "@adyen/api-library";
import type { TestApp } from "./test-app";

export function postSignedAdyenNotification(
  t: TestApp,
  hmacKeyHex: string,
  notification: Record<string, unknown>,
): Promise<Response> {
  const hmacSignature = new hmacValidator().calculateHmac(notification as never, hmacKeyHex);
  return t.app.http.fetch("http://localhost/webhooks/adyen", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      live: "false",
      notificationItems: [
        { NotificationRequestItem: { ...notification, additionalData: { hmacSignature } } },
      ],
    }),
  });
}
