// The core's write commands for the operator-managed aggregates (merchants and API keys, risk lists, routing
// rules, operator keys, operator accounts), built over their write stores. The app, the console and the CLI get
// these commands, never the write stores themselves; each command audits its change in the change's own
// transaction.
import { RiskListCommands } from "@paycore/core/fraud/risk-list-commands";
import { MerchantCommands } from "@paycore/core/merchants/merchant-commands";
import { MerchantCurrencyCommands } from "@paycore/core/merchants/merchant-currency-commands";
import { OperatorKeyCommands } from "@paycore/core/operator-keys/operator-key-commands";
import { OperatorCommands } from "@paycore/core/operators/operator-commands";
import type { EncryptedSecretStore } from "@paycore/core/ports/encrypted-secret-store";
import type { PspAccountStore } from "@paycore/core/ports/psp-account-store";
import { RoutingRuleCommands } from "@paycore/core/psp/routing-rule-commands";
import { PspAccountCommands } from "@paycore/core/psp-accounts/psp-account-commands";
import type { VaultKeyring } from "@paycore/core/vault/card-vault";
import type { DatabaseClient } from "@paycore/db/client";
import { encryptedSecretStores as storesOfSecrets } from "@paycore/db/repositories/encrypted-secret.repository";
import { MerchantCurrencyStoreRepository } from "@paycore/db/repositories/merchant-currency-store.repository";
import { MerchantStoreRepository } from "@paycore/db/repositories/merchant-store.repository";
import { OperatorKeyStoreRepository } from "@paycore/db/repositories/operator-key-store.repository";
import { OperatorStoreRepository } from "@paycore/db/repositories/operator-store.repository";
import { PspAccountRepository } from "@paycore/db/repositories/psp-account.repository";
import { RiskListStoreRepository } from "@paycore/db/repositories/risk-list-store.repository";
import { RoutingRuleStoreRepository } from "@paycore/db/repositories/routing-rule-store.repository";
import type { Sql } from "@paycore/db/sql";
import { hashPassword } from "./passwords";
import { pspCatalog } from "./psps/registry";

export interface AdminCommands {
  merchantCommands: MerchantCommands;
  riskListCommands: RiskListCommands;
  routingRuleCommands: RoutingRuleCommands;
  operatorKeyCommands: OperatorKeyCommands;
  operatorCommands: OperatorCommands;
  /** Multiple currencies (issue 18): settlement currencies, FX fee, fixed fees per currency. */
  merchantCurrencyCommands: MerchantCurrencyCommands;
}

export function createAdminCommands(
  db: DatabaseClient,
  now: () => Date = () => new Date(),
  /** Sanctions (issue 22): screens a merchant's name once it is created. */
  screening?: { screenMerchant(merchantId: string, reason: string): Promise<unknown> },
  /** Told after a key's revocation, roll or new origins committed (the API's key cache forgets it). */
  onApiKeyChanged?: (apiKeyId: string) => void,
): AdminCommands {
  return {
    merchantCommands: new MerchantCommands({
      store:
        onApiKeyChanged === undefined
          ? new MerchantStoreRepository(db)
          : new KeyChangeReportingMerchantStore(db, onApiKeyChanged),
      now,
      ...(screening ? { screening } : {}),
    }),
    riskListCommands: new RiskListCommands({ store: new RiskListStoreRepository(db), now }),
    routingRuleCommands: new RoutingRuleCommands({ store: new RoutingRuleStoreRepository(db) }),
    operatorKeyCommands: new OperatorKeyCommands({ store: new OperatorKeyStoreRepository(db), now }),
    operatorCommands: new OperatorCommands({
      store: new OperatorStoreRepository(db),
      hasher: { hash: hashPassword },
      now,
    }),
    merchantCurrencyCommands: new MerchantCurrencyCommands({
      store: new MerchantCurrencyStoreRepository(db),
    }),
  };
}

/** The merchant store, reporting each committed change of a key's row to this process's key cache. */
class KeyChangeReportingMerchantStore extends MerchantStoreRepository {
  constructor(
    db: DatabaseClient,
    private readonly keyChanged: (apiKeyId: string) => void,
  ) {
    super(db);
  }

  override async revokeKey(...args: Parameters<MerchantStoreRepository["revokeKey"]>) {
    const revoked = await super.revokeKey(...args);
    if (revoked !== null) this.keyChanged(revoked.id);
    return revoked;
  }

  override async rollKey(...args: Parameters<MerchantStoreRepository["rollKey"]>) {
    const rolled = await super.rollKey(...args);
    if (rolled !== null) this.keyChanged(rolled.revoked.id);
    return rolled;
  }

  override async updateKeyOrigins(...args: Parameters<MerchantStoreRepository["updateKeyOrigins"]>) {
    const updated = await super.updateKeyOrigins(...args);
    if (updated !== null) this.keyChanged(updated.id);
    return updated;
  }
}

/** PSP accounts' command, and the recorder of connection checks the live PSP clients write to. */
export function createPspAccountCommands(
  db: DatabaseClient,
  vault: VaultKeyring,
  now: () => Date = () => new Date(),
): { pspAccounts: PspAccountCommands; pspAccountChecks: Pick<PspAccountStore, "recordCheck"> } {
  const store = new PspAccountRepository(db);
  return {
    pspAccounts: new PspAccountCommands({ store, vault, psps: pspCatalog(), now }),
    pspAccountChecks: store,
  };
}

/** Every kind of stored secret, for the vault's key rotation (listed in encrypted-secret.repository.ts). */
export function encryptedSecretStores(sql: Sql): EncryptedSecretStore[] {
  return storesOfSecrets(sql);
}
