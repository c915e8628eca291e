/*
 * migrate.c - versioned schema migrations.
 *
 * Each entry of `migrations` moves the schema one version up and is applied
 * inside one transaction together with the new version number, so a crash
 * leaves the schema at a whole version.  The SQL is the portable subset that
 * SQLite and MariaDB both accept.  Never edit a released migration: add one.
 */
#include <string.h>

#include "db.h"
#include "../common/errors.h"
#include "../common/log.h"

#define STATUS_COLS                                                     \
	"provisioning_status VARCHAR(16) NOT NULL, "                    \
	"operating_status VARCHAR(16) NOT NULL, "
#define COMMON_TAIL                                                     \
	"tags TEXT, created_at VARCHAR(20), updated_at VARCHAR(20)"

static const char *const migration_1[] = {
	"CREATE TABLE load_balancer (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255), description VARCHAR(255), "
	"admin_state_up INTEGER NOT NULL, project_id VARCHAR(36), "
	STATUS_COLS
	"vip_address VARCHAR(64), vip_port_id VARCHAR(36), "
	"vip_subnet_id VARCHAR(36), vip_network_id VARCHAR(36), "
	"vip_qos_policy_id VARCHAR(36), vip_sg_ids TEXT, "
	"vip_vnic_type VARCHAR(64), additional_vips TEXT, "
	"provider VARCHAR(64), flavor_id VARCHAR(36), "
	"availability_zone VARCHAR(255), topology VARCHAR(16), "
	COMMON_TAIL ")",
	"CREATE INDEX load_balancer_project ON load_balancer (project_id)",

	"CREATE TABLE listener (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255), description VARCHAR(255), "
	"admin_state_up INTEGER NOT NULL, project_id VARCHAR(36), "
	STATUS_COLS
	"protocol VARCHAR(32) NOT NULL, protocol_port INTEGER NOT NULL, "
	"load_balancer_id VARCHAR(36) NOT NULL, connection_limit INTEGER, "
	"default_tls_container_ref VARCHAR(255), sni_container_refs TEXT, "
	"default_pool_id VARCHAR(36), insert_headers TEXT, "
	"timeout_client_data INTEGER, timeout_member_connect INTEGER, "
	"timeout_member_data INTEGER, timeout_tcp_inspect INTEGER, "
	"client_ca_tls_container_ref VARCHAR(255), "
	"client_authentication VARCHAR(16), "
	"client_crl_container_ref VARCHAR(255), allowed_cidrs TEXT, "
	"tls_ciphers VARCHAR(2048), tls_versions TEXT, alpn_protocols TEXT, "
	"hsts_max_age INTEGER, hsts_include_subdomains INTEGER, "
	"hsts_preload INTEGER, " COMMON_TAIL ")",
	"CREATE INDEX listener_lb ON listener (load_balancer_id)",

	"CREATE TABLE pool (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255), description VARCHAR(255), "
	"admin_state_up INTEGER NOT NULL, project_id VARCHAR(36), "
	STATUS_COLS
	"protocol VARCHAR(32) NOT NULL, lb_algorithm VARCHAR(32) NOT NULL, "
	"load_balancer_id VARCHAR(36) NOT NULL, session_persistence TEXT, "
	"tls_enabled INTEGER NOT NULL, tls_container_ref VARCHAR(255), "
	"ca_tls_container_ref VARCHAR(255), crl_container_ref VARCHAR(255), "
	"tls_ciphers VARCHAR(2048), tls_versions TEXT, alpn_protocols TEXT, "
	COMMON_TAIL ")",
	"CREATE INDEX pool_lb ON pool (load_balancer_id)",

	"CREATE TABLE member (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255), admin_state_up INTEGER NOT NULL, "
	"project_id VARCHAR(36), " STATUS_COLS
	"address VARCHAR(64) NOT NULL, protocol_port INTEGER NOT NULL, "
	"weight INTEGER, backup INTEGER NOT NULL, subnet_id VARCHAR(36), "
	"monitor_address VARCHAR(64), monitor_port INTEGER, "
	"vnic_type VARCHAR(64), pool_id VARCHAR(36) NOT NULL, "
	"load_balancer_id VARCHAR(36) NOT NULL, " COMMON_TAIL ", "
	"UNIQUE (pool_id, address, protocol_port))",

	"CREATE TABLE health_monitor (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255), admin_state_up INTEGER NOT NULL, "
	"project_id VARCHAR(36), " STATUS_COLS
	"hm_type VARCHAR(36) NOT NULL, pool_id VARCHAR(36) NOT NULL UNIQUE, "
	"delay INTEGER NOT NULL, timeout INTEGER NOT NULL, "
	"max_retries INTEGER NOT NULL, max_retries_down INTEGER, "
	"http_method VARCHAR(16), url_path VARCHAR(2048), "
	"expected_codes VARCHAR(64), http_version DOUBLE, "
	"domain_name VARCHAR(255), load_balancer_id VARCHAR(36) NOT NULL, "
	COMMON_TAIL ")",

	"CREATE TABLE l7policy (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255), description VARCHAR(255), "
	"admin_state_up INTEGER NOT NULL, project_id VARCHAR(36), "
	STATUS_COLS
	"listener_id VARCHAR(36) NOT NULL, action VARCHAR(36) NOT NULL, "
	"redirect_pool_id VARCHAR(36), redirect_url VARCHAR(255), "
	"redirect_prefix VARCHAR(255), redirect_http_code INTEGER, "
	"position INTEGER NOT NULL, load_balancer_id VARCHAR(36) NOT NULL, "
	COMMON_TAIL ")",
	"CREATE INDEX l7policy_listener ON l7policy (listener_id)",

	"CREATE TABLE l7rule (id VARCHAR(36) PRIMARY KEY, "
	"admin_state_up INTEGER NOT NULL, project_id VARCHAR(36), "
	STATUS_COLS
	"rule_type VARCHAR(36) NOT NULL, compare_type VARCHAR(36) NOT NULL, "
	"rule_key VARCHAR(255), rule_value VARCHAR(255) NOT NULL, "
	"invert INTEGER NOT NULL, l7policy_id VARCHAR(36) NOT NULL, "
	"load_balancer_id VARCHAR(36) NOT NULL, " COMMON_TAIL ")",
	"CREATE INDEX l7rule_policy ON l7rule (l7policy_id)",

	"CREATE TABLE amphora (id VARCHAR(36) PRIMARY KEY, "
	"load_balancer_id VARCHAR(36), compute_id VARCHAR(36), "
	"lb_network_ip VARCHAR(64), vrrp_ip VARCHAR(64), ha_ip VARCHAR(64), "
	"vrrp_port_id VARCHAR(36), ha_port_id VARCHAR(36), "
	"cert_expiration VARCHAR(20), cert_busy INTEGER NOT NULL DEFAULT 0, "
	"role VARCHAR(36), status VARCHAR(36) NOT NULL, "
	"vrrp_interface VARCHAR(16), vrrp_id INTEGER, vrrp_priority INTEGER, "
	"cached_zone VARCHAR(255), image_id VARCHAR(36), "
	"compute_flavor VARCHAR(255), "
	"created_at VARCHAR(20), updated_at VARCHAR(20))",
	"CREATE INDEX amphora_lb ON amphora (load_balancer_id)",

	"CREATE TABLE amphora_health (amphora_id VARCHAR(36) PRIMARY KEY, "
	"last_update BIGINT NOT NULL, busy INTEGER NOT NULL DEFAULT 0, "
	"seq BIGINT NOT NULL DEFAULT 0)",

	"CREATE TABLE listener_statistics (listener_id VARCHAR(36) NOT NULL, "
	"amphora_id VARCHAR(36) NOT NULL, bytes_in BIGINT NOT NULL DEFAULT 0, "
	"bytes_out BIGINT NOT NULL DEFAULT 0, "
	"active_connections BIGINT NOT NULL DEFAULT 0, "
	"total_connections BIGINT NOT NULL DEFAULT 0, "
	"request_errors BIGINT NOT NULL DEFAULT 0, "
	"PRIMARY KEY (listener_id, amphora_id))",

	"CREATE TABLE flavor_profile (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255) NOT NULL, provider_name VARCHAR(255) NOT NULL, "
	"flavor_data VARCHAR(4096) NOT NULL)",
	"CREATE TABLE flavor (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255) NOT NULL UNIQUE, description VARCHAR(255), "
	"enabled INTEGER NOT NULL, flavor_profile_id VARCHAR(36) NOT NULL)",
	"CREATE TABLE availability_zone_profile (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255) NOT NULL, provider_name VARCHAR(255) NOT NULL, "
	"availability_zone_data VARCHAR(4096) NOT NULL)",
	"CREATE TABLE availability_zone (name VARCHAR(255) PRIMARY KEY, "
	"description VARCHAR(255), enabled INTEGER NOT NULL, "
	"availability_zone_profile_id VARCHAR(36) NOT NULL)",

	"CREATE TABLE quotas (project_id VARCHAR(36) PRIMARY KEY, "
	"load_balancer INTEGER, listener INTEGER, pool INTEGER, "
	"health_monitor INTEGER, member INTEGER, l7policy INTEGER, "
	"l7rule INTEGER)",

	/*
	 * The job table is the only queue.  A job is claimed by setting
	 * owner and lease_until; a lease that runs out hands it back.  `step`
	 * is the index of the first flow step not yet done.
	 */
	"CREATE TABLE job (id VARCHAR(36) PRIMARY KEY, "
	"kind VARCHAR(64) NOT NULL, object_id VARCHAR(36) NOT NULL, "
	"lb_id VARCHAR(36), payload TEXT, state VARCHAR(16) NOT NULL, "
	"step INTEGER NOT NULL DEFAULT 0, owner VARCHAR(128), "
	"lease_until BIGINT NOT NULL DEFAULT 0, "
	"attempts INTEGER NOT NULL DEFAULT 0, error TEXT, "
	"created_ms BIGINT NOT NULL, updated_at VARCHAR(20))",
	"CREATE INDEX job_state ON job (state, created_ms)",
	"CREATE INDEX job_lb ON job (lb_id, state)",
	NULL
};

/*
 * Version 2: the local network world (docs/local-world.md): networks,
 * subnets and ports that the network_local_driver plays Neutron with.
 * A port holds one address; UNIQUE (subnet_id, ip_address) is what keeps
 * two units allocating at once from handing out the same address.
 */
static const char *const migration_2[] = {
	"CREATE TABLE network (id VARCHAR(36) PRIMARY KEY, "
	"name VARCHAR(255) NOT NULL UNIQUE, bridge VARCHAR(16) NOT NULL, "
	"created_at VARCHAR(20))",
	"CREATE TABLE subnet (id VARCHAR(36) PRIMARY KEY, "
	"network_id VARCHAR(36) NOT NULL, name VARCHAR(255), "
	"cidr VARCHAR(64) NOT NULL, ip_version INTEGER NOT NULL, "
	"gateway_ip VARCHAR(64), created_at VARCHAR(20))",
	"CREATE INDEX subnet_network ON subnet (network_id)",
	"CREATE TABLE port (id VARCHAR(36) PRIMARY KEY, "
	"network_id VARCHAR(36) NOT NULL, subnet_id VARCHAR(36) NOT NULL, "
	"ip_address VARCHAR(64) NOT NULL, mac_address VARCHAR(17) NOT NULL, "
	"device_owner VARCHAR(255), device_id VARCHAR(255), "
	"name VARCHAR(255), created_at VARCHAR(20), "
	"UNIQUE (subnet_id, ip_address))",
	"CREATE INDEX port_device ON port (device_id)",
	"CREATE INDEX port_network ON port (network_id)",
	NULL
};

static const char *const *const migrations[] = { migration_1, migration_2 };

int
db_schema_latest(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

int
db_schema_version(struct db *db, int *version)
{
	json_t *row;
	int r;

	r = db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version "
	    "(version INTEGER NOT NULL)", NULL, NULL);
	if (r < 0)
		return r;
	r = db_query_one(db, "SELECT MAX(version) AS v FROM schema_version",
	    NULL, &row);
	if (r < 0)
		return r;
	*version = (int)json_integer_value(json_object_get(row, "v"));
	json_decref(row);
	return 0;
}

int
db_migrate(struct db *db, int *from, int *to)
{
	const char *const *sql;
	int v, r;

	if ((r = db_schema_version(db, &v)) < 0)
		return r;
	if (from)
		*from = v;
	while (v < db_schema_latest()) {
		if ((r = db_begin(db)) < 0)
			return r;
		/* Re-read under the write lock: another unit may have won. */
		if ((r = db_schema_version(db, &v)) < 0)
			goto fail;
		if (v >= db_schema_latest()) {
			db_commit(db);
			break;
		}
		for (sql = migrations[v]; *sql; sql++)
			if ((r = db_exec(db, *sql, NULL, NULL)) < 0)
				goto fail;
		r = db_exec(db, "INSERT INTO schema_version (version) VALUES (?)",
		    json_pack("[i]", v + 1), NULL);
		if (r < 0)
			goto fail;
		if ((r = db_commit(db)) < 0)
			goto fail;
		v++;
		log_info("db migrated schema version=%d", v);
	}
	if (to)
		*to = v;
	return 0;
fail:
	db_rollback(db);
	log_error("db migration to version %d failed", v + 1);
	return r;
}
