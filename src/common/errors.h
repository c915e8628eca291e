/*
 * errors.h - octa's error codes, declared once.
 *
 * Functions return 0 or a negative OCTA_E* code.  Each code carries the HTTP
 * status the API answers with; the user-facing message travels separately.
 */
#ifndef OCTA_ERRORS_H
#define OCTA_ERRORS_H

#define OCTA_ERR_MAP(XX)                                                \
	XX(INVAL, 400, "invalid input")                                 \
	XX(UNAUTH, 401, "authentication required")                      \
	XX(FORBIDDEN, 403, "forbidden")                                 \
	XX(NOTFOUND, 404, "not found")                                  \
	XX(METHOD, 405, "method not allowed")                           \
	XX(NOTACCEPT, 406, "not acceptable")                            \
	XX(CONFLICT, 409, "conflict")                                   \
	XX(TOOLARGE, 413, "too large")                                  \
	XX(INTERNAL, 500, "internal error")                             \
	XX(DB, 500, "database error")                                   \
	XX(IO, 500, "i/o error")                                        \
	XX(NOTIMPL, 501, "not implemented")                             \
	XX(UNAVAIL, 503, "service unavailable")                         \
	XX(BUSY, 503, "busy, try again")

enum octa_err {
	OCTA_OK = 0,
#define XX(name, status, text) OCTA_E##name,
	OCTA_ERR_MAP(XX)
#undef XX
	OCTA_E_MAX
};

/* HTTP status of a (negative or positive) error code; 500 if unknown. */
int octa_err_status(int err);
/* Short name of an error code, for logs. */
const char *octa_err_str(int err);

#endif
