/* errors.c - lookups into the OCTA_ERR_MAP table. */
#include "errors.h"

static const struct {
	int status;
	const char *text;
} err_table[] = {
	[OCTA_OK] = { 200, "ok" },
#define XX(name, status, text) [OCTA_E##name] = { status, text },
	OCTA_ERR_MAP(XX)
#undef XX
};

int
octa_err_status(int err)
{
	if (err < 0)
		err = -err;
	if (err >= OCTA_E_MAX)
		return 500;
	return err_table[err].status;
}

const char *
octa_err_str(int err)
{
	if (err < 0)
		err = -err;
	if (err >= OCTA_E_MAX)
		return "unknown error";
	return err_table[err].text;
}
