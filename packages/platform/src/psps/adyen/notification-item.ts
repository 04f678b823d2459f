// One item of an Adyen notification batch (NotificationRequestItem), as the webhook and the dispute mapping read it.
export interface AdyenNotificationItem {
  eventCode: string;
  success: string;
  pspReference: string;
  originalReference?: string;
  merchantReference?: string;
  reason?: string;
  amount?: { value: number; currency: string };
}
