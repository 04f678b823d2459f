-- Issue 16 (bench:recon): no statement reads recon_items by payment_id (the console joins an item to its payment
-- from the item's side; the confirmations pass joins payments by the item's payment_id), so
-- recon_items_payment_idx only cost an index entry per reconciliation item written: one per settlement line.
-- A reader of a payment's items would bring it back with the query that needs it.
DROP INDEX "recon_items_payment_idx";
