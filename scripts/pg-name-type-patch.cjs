// @prisma/adapter-pg 6.19 cannot deserialize Postgres columns of type `name`
// (OID 19), which the schema engine's catalog queries return. Reporting them as
// `text` (OID 25) is lossless. Loaded by prisma.config.ts before the CLI connects.
const { createRequire } = require("node:module");
const requireFromDb = createRequire(require.resolve("@prisma/adapter-pg"));
const Result = requireFromDb("pg/lib/result");
const addFields = Result.prototype.addFields;
Result.prototype.addFields = function addFieldsWithNameAsText(fieldDescriptions) {
  for (const field of fieldDescriptions) {
    if (field.dataTypeID === 19) field.dataTypeID = 25;
  }
  return addFields.call(this, fieldDescriptions);
};
