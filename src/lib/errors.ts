/** The closed set of error codes of the contract, each with its one HTTP status. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  COUPON_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  REQUEST_IN_PROGRESS: 409,
  BALANCE_LIMIT_EXCEEDED: 409,
  OUT_OF_STOCK: 409,
  STOCK_LIMIT_EXCEEDED: 409,
  INSUFFICIENT_POINTS: 409,
  COUPON_NOT_USABLE: 409,
  COUPON_SOLD_OUT: 409,
  COUPON_ALREADY_ISSUED: 409,
  COUPON_NOT_ISSUABLE: 409,
  ORDER_NOT_CANCELLABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

const DEFAULT_MESSAGE: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'The request is not valid',
  UNAUTHENTICATED: 'A valid bearer token is required',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'No such route',
  USER_NOT_FOUND: 'User not found',
  PRODUCT_NOT_FOUND: 'Product or option not found',
  COUPON_NOT_FOUND: 'Coupon not found',
  ORDER_NOT_FOUND: 'Order not found',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json',
  REQUEST_TIMEOUT: 'The request took too long to arrive',
  HEADERS_TOO_LARGE: 'The request line or headers are too large',
  INTERNAL: 'Internal error',
  SERVICE_UNAVAILABLE: 'A dependency is unavailable, try again',
};

/** The one error type of the engine: a code, its HTTP status, a message and optional details. */
export class AppError extends Error {
  readonly status: ErrorStatus;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    // A refusal is an answer, not a bug: no stack is captured, which is most of an Error's cost on the hot path.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ?? DEFAULT_MESSAGE[code] ?? code);
    Error.stackTraceLimit = limit;
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** An error and the errors it wraps (`cause`), outermost first: drivers' errors arrive wrapped by drizzle. */
export function* causes(err: unknown): Generator<object> {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) yield e;
}
