// A merchant's currency settings, write side: the store behind the core's MerchantCurrencyCommands. Each change
// and its operator audit row are one transaction. Apps get the command, never this class.
import type { FeeFundingType, FundingTypeFee } from "@paycore/core/ledger/fees";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type {
  MerchantCurrencySettings,
  MerchantCurrencyStore,
} from "@paycore/core/ports/merchant-currency-store";
import type { DatabaseClient } from "../client";
import { MerchantCurrencyRepository } from "./merchant-currency.repository";
import { operatorAuditRow } from "./operator-audit-row";

const TARGET_TYPE = "merchant";

export class MerchantCurrencyStoreRepository implements MerchantCurrencyStore {
  private readonly reads: MerchantCurrencyRepository;

  constructor(private readonly db: DatabaseClient) {
    this.reads = new MerchantCurrencyRepository(db);
  }

  find(merchantId: string): Promise<MerchantCurrencySettings | null> {
    return this.reads.find(merchantId);
  }

  setSettlement(
    merchantId: string,
    settlement: { settlementCurrencies: CurrencyCode[]; fxFeeBps: number },
    audit: AuditDraft,
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const exists = await tx.merchant.count({ where: { id: merchantId } });
      if (exists === 0) return false;
      await tx.merchantSettlement.upsert({
        where: { merchantId },
        create: { merchantId, ...settlement },
        update: { ...settlement, updatedAt: new Date() },
      });
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return true;
    });
  }

  setFixedFee(
    merchantId: string,
    currency: CurrencyCode,
    fixedMinor: bigint | null,
    audit: AuditDraft,
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const exists = await tx.merchant.count({ where: { id: merchantId } });
      if (exists === 0) return false;
      if (fixedMinor === null) {
        await tx.merchantFixedFee.deleteMany({ where: { merchantId, currency } });
      } else {
        await tx.merchantFixedFee.upsert({
          where: { merchantId_currency: { merchantId, currency } },
          create: { merchantId, currency, fixedMinor },
          update: { fixedMinor, updatedAt: new Date() },
        });
      }
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return true;
    });
  }

  setFundingFee(
    merchantId: string,
    fundingType: FeeFundingType,
    fee: FundingTypeFee | null,
    audit: AuditDraft,
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const exists = await tx.merchant.count({ where: { id: merchantId } });
      if (exists === 0) return false;
      if (fee === null) {
        await tx.merchantFundingFee.deleteMany({ where: { merchantId, fundingType } });
      } else {
        await tx.merchantFundingFee.upsert({
          where: { merchantId_fundingType: { merchantId, fundingType } },
          create: { merchantId, fundingType, rateBps: fee.rateBps, fixedHundredths: fee.fixedHundredths },
          update: { rateBps: fee.rateBps, fixedHundredths: fee.fixedHundredths, updatedAt: new Date() },
        });
      }
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return true;
    });
  }

  setDisputeFee(
    merchantId: string,
    currency: CurrencyCode,
    feeMinor: bigint | null,
    audit: AuditDraft,
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const exists = await tx.merchant.count({ where: { id: merchantId } });
      if (exists === 0) return false;
      if (feeMinor === null) {
        await tx.merchantDisputeFee.deleteMany({ where: { merchantId, currency } });
      } else {
        await tx.merchantDisputeFee.upsert({
          where: { merchantId_currency: { merchantId, currency } },
          create: { merchantId, currency, feeMinor },
          update: { feeMinor, updatedAt: new Date() },
        });
      }
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return true;
    });
  }
}
