import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createRequire } from "node:module";
import type { Config } from "@adyen/api-library";
import type ClientInterface from "@adyen/api-library/lib/src/httpClient/clientInterface";
import type ApiExceptionClass from "@adyen/api-library/lib/src/services/exception/apiException";
import type { IRequest } from "@adyen/api-library/lib/src/typings/requestOptions";

const require = createRequire(import.meta.url);

/**
 * @adyen/api-library is CommonJS, and Node's ESM loader detects only some of its named exports:
 * `import { Client, CheckoutAPI, HttpClientException } from "@adyen/api-library"` fails at run
 * time (hmacValidator, Types and EnvironmentEnum do work). Loading it with require sidesteps that.
 */
export const adyenApiLibrary: typeof import("@adyen/api-library") = require("@adyen/api-library");
const ApiException: typeof ApiExceptionClass =
  require("@adyen/api-library/lib/src/services/exception/apiException").default;

/** The Checkout API's host, and the Customer Area's (its Disputes API, ca/services/DisputeService/v30). */
const ADYEN_TEST_ORIGIN = /^https:\/\/(checkout|ca)-test\.adyen\.com\//;

/**
 * The library's ClientInterface over plain HTTP to the sandbox: rewrites
 * https://checkout-test.adyen.com/v72/… to <sandboxUrl>/adyen/v72/… and otherwise behaves like
 * the library's own HttpURLConnectionClient: the same headers (x-api-key, Idempotency-Key), the
 * same HttpClientException for non-2xx answers, an ApiException for network errors and timeouts.
 */
export class AdyenLoopbackHttpClient implements ClientInterface {
  constructor(private readonly sandboxUrl: string) {}

  request(
    endpoint: string,
    json: string | Buffer,
    config: Config,
    isApiKeyRequired: boolean,
    requestOptions: IRequest.Options = {},
  ): Promise<string> {
    if (isApiKeyRequired && !config.apiKey) {
      return Promise.reject(new ApiException("Invalid X-API-Key was used", 401));
    }
    const url = new URL(endpoint.replace(ADYEN_TEST_ORIGIN, `${this.sandboxUrl}/adyen/`));
    if (requestOptions.params) url.search = new URLSearchParams(requestOptions.params).toString();
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache",
      "Accept-Charset": "utf-8",
      "User-Agent": "adyen-node-api-library (sandbox loopback)",
    };
    if (config.apiKey) headers["X-API-Key"] = config.apiKey;
    if (requestOptions.idempotencyKey) headers["Idempotency-Key"] = requestOptions.idempotencyKey;
    const timeoutMs = config.connectionTimeoutMillis;

    return new Promise<string>((resolve, reject) => {
      const outgoing = httpRequest(url, { method: requestOptions.method ?? "POST", headers }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("error", reject);
        response.on("end", () => {
          const statusCode = response.statusCode ?? 0;
          if (statusCode >= 200 && statusCode < 300) {
            resolve(body);
            return;
          }
          reject(httpClientException(statusCode, response.statusMessage ?? "", response.headers, body));
        });
      });
      if (timeoutMs) {
        outgoing.setTimeout(timeoutMs, () => {
          outgoing.destroy(new Error(`Request timed out after ${timeoutMs} ms`));
        });
      }
      outgoing.on("error", (error) => reject(new ApiException(error.message)));
      outgoing.end(json);
    });
  }
}

/** Mirrors HttpURLConnectionClient's error mapping: Adyen's { status, errorCode, message } becomes apiError. */
function httpClientException(
  statusCode: number,
  statusMessage: string,
  responseHeaders: IncomingHttpHeaders,
  responseBody: string,
): Error {
  const { HttpClientException } = adyenApiLibrary;
  try {
    const parsed = JSON.parse(responseBody) as Record<string, unknown>;
    if ("status" in parsed) {
      return new HttpClientException({
        message: `HTTP Exception: ${String(parsed.status)}. ${statusMessage}: ${String(parsed.message)}`,
        statusCode: Number(parsed.status),
        errorCode: typeof parsed.errorCode === "string" ? parsed.errorCode : undefined,
        responseHeaders,
        responseBody,
        apiError: parsed as never,
      });
    }
  } catch {
    // Not JSON: fall through to the plain exception, as the library does.
  }
  return new HttpClientException({
    message: `HTTP Exception: ${statusCode}. ${statusMessage}`,
    statusCode,
    responseHeaders,
    responseBody,
  });
}
