/*
 * model.h - octa's objects, declared once as field tables.
 *
 * An object in memory is a jansson object keyed by the API field names.
 * Each resource's table says, per field: its JSON name, type, bounds, which
 * requests accept it, its default, and how it is stored.  Validation, JSON
 * output and the database mapping are all driven from these tables.
 */
#ifndef OCTA_MODEL_H
#define OCTA_MODEL_H

#include <stdbool.h>
#include <stddef.h>

enum field_type {
	FT_STRING,	/* max = longest length */
	FT_UUID,
	FT_INT,		/* min..max */
	FT_BOOL,
	FT_ENUM,	/* one of enums[] */
	FT_IP,
	FT_FLOAT,
	FT_TIME,	/* read-only timestamps */
	FT_STRLIST,	/* list of strings, each <= max (or one of enums[]) */
	FT_UUIDLIST,
	FT_CIDRLIST,
	FT_DICT,	/* object of string -> string */
	FT_JSON,	/* structured; checked by the resource's own code */
	FT_REFLIST,	/* derived list of {"id": ...}; not stored */
};

/* Field flags. */
#define F_R 0x001	/* appears in responses */
#define F_C 0x002	/* accepted on POST */
#define F_U 0x004	/* accepted on PUT */
#define F_M 0x008	/* mandatory on POST */
#define F_S 0x010	/* stored in the resource's table */
#define F_NONULL 0x020	/* null is refused (400) */
#define F_EMPTY 0x040	/* rendered as "" when null */
#define F_NOSORT 0x080	/* not a sort or filter key */
#define F_GRAPH 0x100	/* accepted on POST only inside a graph create */
#define F_FILTER 0x200	/* filterable even though not in responses */

struct field {
	const char *name;
	enum field_type type;
	unsigned flags;
	long long min;
	long long max;
	const char *const *enums;
	const char *def;	/* JSON text of the POST default; NULL: null */
	const char *col;	/* column name when it is not `name` */
};

enum resource_kind {
	RES_LOADBALANCER,
	RES_LISTENER,
	RES_POOL,
	RES_MEMBER,
	RES_HEALTHMONITOR,
	RES_L7POLICY,
	RES_L7RULE,
	RES_AMPHORA,
	RES_FLAVOR,
	RES_FLAVORPROFILE,
	RES_AZ,
	RES_AZPROFILE,
	RES_QUOTA,
	RES__COUNT
};

struct resource {
	enum resource_kind kind;
	const char *name;	/* body root key: "loadbalancer" */
	const char *plural;	/* list root key: "loadbalancers" */
	const char *links;	/* list links key */
	const char *table;
	const char *display;	/* in messages: "Load Balancer" */
	const char *key;	/* primary key field: "id" or "name" */
	const struct field *fields;
	size_t nfields;
	bool soft_delete;	/* DELETED rows kept (LB, amphora) */
	bool has_status;	/* provisioning_status column */
};

extern const struct resource *const model_resources[RES__COUNT];

const struct resource *model_resource(enum resource_kind kind);
const struct field *model_field(const struct resource *r, const char *name);
/* The column a field is stored in. */
const char *model_col(const struct field *f);
/* True if `s` is one of the NULL-terminated list. */
bool model_enum_has(const char *const *list, const char *s);

/* Enumerations shared by several layers. */
extern const char *const model_prov_statuses[];
extern const char *const model_oper_statuses[];
extern const char *const model_listener_protocols[];
extern const char *const model_pool_protocols[];
extern const char *const model_lb_algorithms[];
extern const char *const model_sp_types[];
extern const char *const model_hm_types[];
extern const char *const model_http_methods[];
extern const char *const model_l7_actions[];
extern const char *const model_l7rule_types[];
extern const char *const model_l7rule_compare_types[];
extern const char *const model_client_auth_modes[];
extern const char *const model_tls_versions[];
extern const char *const model_alpn_protocols[];
extern const char *const model_insert_headers[];
extern const char *const model_insert_headers_ssl[];
extern const char *const model_amphora_roles[];

#define PROV_ACTIVE "ACTIVE"
#define PROV_PENDING_CREATE "PENDING_CREATE"
#define PROV_PENDING_UPDATE "PENDING_UPDATE"
#define PROV_PENDING_DELETE "PENDING_DELETE"
#define PROV_DELETED "DELETED"
#define PROV_ERROR "ERROR"

#endif
