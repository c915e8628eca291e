/*
 * config_options.h - every configuration option, declared once.
 *
 * X(section, key, type, default, help).  Sections and keys follow
 * octavia.conf where the option means the same thing.  Types: STR, INT,
 * BOOL.  This table generates the config struct, the parser and
 * `octa-manage config defaults`.
 */
#define OCTA_DEFAULT_LISTENER_CIPHERS                                   \
	"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"          \
	"TLS_AES_128_GCM_SHA256:DHE-RSA-AES256-GCM-SHA384:"             \
	"DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"        \
	"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"    \
	"ECDHE-ECDSA-AES128-GCM-SHA256:DHE-RSA-CHACHA20-POLY1305:"      \
	"ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-CHACHA20-POLY1305:"    \
	"DHE-RSA-AES256-SHA256:DHE-RSA-AES128-SHA256:"                  \
	"ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256:"              \
	"ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256"

#define OCTA_CONFIG_OPTIONS(X)                                                 \
	X(DEFAULT, debug, BOOL, "false", "Log at debug level.")                \
	X(octa, state_dir, STR, "/var/lib/octa",                               \
	    "Where the embedded database and local state live.")               \
	X(octa, unit_name, STR, "",                                            \
	    "Name of this controller unit (default: the host name).")          \
	X(octa, roles, STR, "api,worker,health,housekeeping",                  \
	    "Role processes this unit runs.")                                   \
	X(octa, job_lease_seconds, INT, "15",                                  \
	    "How long a worker's claim on a job lasts without renewal.")       \
	X(octa, worker_poll_ms, INT, "20",                                     \
	    "How often an idle worker looks for new jobs.")                    \
	X(api_settings, bind_host, STR, "127.0.0.1", "API listen address.")    \
	X(api_settings, bind_port, INT, "9876", "API listen port.")            \
	X(api_settings, api_threads, INT, "0",                                 \
	    "API event loops (threads); 0: one per CPU.")                     \
	X(api_settings, auth_strategy, STR, "noauth",                          \
	    "noauth (every caller is admin) or keystone.")                     \
	X(api_settings, api_base_uri, STR, "",                                 \
	    "Base URI used in pagination links (default: the request's).")     \
	X(api_settings, pagination_max_limit, STR, "1000",                     \
	    "Largest page a list returns; 'infinite' for no cap.")             \
	X(api_settings, healthcheck_enabled, BOOL, "false",                    \
	    "Serve /healthcheck.")                                             \
	X(api_settings, default_provider_driver, STR, "amphora",               \
	    "Provider used when a load balancer names none.")                  \
	X(api_settings, enabled_provider_drivers, STR,                         \
	    "amphora:The Octavia Amphora driver.,"                             \
	    "octavia:Deprecated alias of the Octavia Amphora driver.",         \
	    "Providers offered, as name:description pairs.")                  \
	X(api_settings, allow_tls_terminated_listeners, BOOL, "true",          \
	    "Allow TERMINATED_HTTPS listeners.")                               \
	X(api_settings, allow_prometheus_listeners, BOOL, "true",              \
	    "Allow PROMETHEUS listeners.")                                     \
	X(api_settings, allow_ping_health_monitors, BOOL, "true",              \
	    "Allow PING health monitors.")                                     \
	X(api_settings, udp_connect_min_interval_health_monitor, INT, "3",     \
	    "Smallest delay of a UDP-CONNECT health monitor.")                 \
	X(api_settings, default_listener_ciphers, STR,                         \
	    OCTA_DEFAULT_LISTENER_CIPHERS, "Default listener cipher string.")  \
	X(api_settings, default_pool_ciphers, STR,                             \
	    OCTA_DEFAULT_LISTENER_CIPHERS, "Default pool cipher string.")      \
	X(api_settings, tls_cipher_prohibit_list, STR, "",                     \
	    "Colon-separated ciphers that may not be used.")                   \
	X(api_settings, default_listener_tls_versions, STR, "TLSv1.2,TLSv1.3", \
	    "Default listener TLS versions.")                                  \
	X(api_settings, default_pool_tls_versions, STR, "TLSv1.2,TLSv1.3",     \
	    "Default pool TLS versions.")                                      \
	X(api_settings, minimum_tls_version, STR, "",                          \
	    "Lowest TLS version a listener or pool may use.")                  \
	X(api_settings, default_listener_alpn_protocols, STR,                  \
	    "h2,http/1.1,http/1.0", "Default listener ALPN protocols.")        \
	X(api_settings, default_pool_alpn_protocols, STR,                      \
	    "h2,http/1.1,http/1.0", "Default pool ALPN protocols.")            \
	/* Authentication, policy and HTTPS of the API (src/common/keystone.c, \
	 * src/api/policy.c, src/api/http.c). */                               \
	X(api_settings, tls_cert_file, STR, "",                                \
	    "PEM certificate (chain) of the API; with tls_key_file, the API "  \
	    "speaks HTTPS only, TLS 1.2 or newer.")                            \
	X(api_settings, tls_key_file, STR, "",                                 \
	    "PEM private key of tls_cert_file.")                               \
	X(keystone_authtoken, www_authenticate_uri, STR, "",                   \
	    "Keystone URL named in the WWW-Authenticate header of a 401 "      \
	    "(default: auth_url).")                                            \
	X(keystone_authtoken, auth_url, STR, "",                               \
	    "Keystone URL octa gets its service token from and validates "     \
	    "tokens against.")                                                 \
	X(keystone_authtoken, username, STR, "", "octa's service user.")       \
	X(keystone_authtoken, password, STR, "", "Its password.")              \
	X(keystone_authtoken, project_name, STR, "",                           \
	    "Project the service token is scoped to.")                         \
	X(keystone_authtoken, user_domain_name, STR, "Default",                \
	    "Domain of username.")                                             \
	X(keystone_authtoken, project_domain_name, STR, "Default",             \
	    "Domain of project_name.")                                         \
	X(keystone_authtoken, token_cache_time, INT, "300",                    \
	    "Seconds a validated (or refused) token is remembered; never "     \
	    "past the token's own expiry.")                                    \
	X(keystone_authtoken, token_cache_size, INT, "4096",                   \
	    "Most tokens remembered at once (per API process).")               \
	X(keystone_authtoken, http_connect_timeout, INT, "3",                  \
	    "Seconds a request to Keystone may take in all; slower is 503.")   \
	X(oslo_policy, policy_file, STR, "",                                   \
	    "YAML or JSON file of policy rules overriding Octavia's defaults " \
	    "(re-read when it changes); empty: the defaults only.")            \
	X(oslo_policy, enforce_new_defaults, BOOL, "false",                    \
	    "Drop the deprecated rules Octavia still accepts beside its new "  \
	    "defaults.")                                                       \
	X(oslo_policy, enforce_scope, BOOL, "false",                           \
	    "Check Octavia's scope_types: then only a system-scoped token "    \
	    "can be context_is_admin.")                                        \
	X(database, connection, STR, "",                                       \
	    "sqlite:///PATH or mysql+pymysql://USER:PASS@HOST/DB "             \
	    "(default: sqlite in state_dir).")                                 \
	X(controller_worker, compute_driver, STR, "compute_noop_driver",       \
	    "compute_noop_driver or compute_netns_driver (an amphora is a "    \
	    "network namespace on this host).")                                \
	X(controller_worker, network_driver, STR, "network_noop_driver",       \
	    "network_noop_driver or network_local_driver (networks of "        \
	    "`octa-manage network create`, Linux bridges on this host).")      \
	X(controller_worker, agent_binary, STR, "",                            \
	    "octa-agent the netns compute driver starts in an amphora "        \
	    "(default: octa-agent beside the running program).")               \
	X(controller_worker, amphora_driver, STR, "amphora_noop_driver",       \
	    "amphora_noop_driver or amphora_haproxy_rest_driver (Octavia's "   \
	    "amphora agent API 1.0 over mutual TLS).")                         \
	X(controller_worker, loadbalancer_topology, STR, "SINGLE",             \
	    "SINGLE or ACTIVE_STANDBY.")                                       \
	X(controller_worker, workers, INT, "1", "Worker threads per unit.")    \
	X(haproxy_amphora, timeout_client_data, INT, "50000",                  \
	    "Default listener client inactivity timeout (ms).")               \
	X(haproxy_amphora, timeout_member_connect, INT, "5000",                \
	    "Default member connect timeout (ms).")                           \
	X(haproxy_amphora, timeout_member_data, INT, "50000",                  \
	    "Default member inactivity timeout (ms).")                        \
	X(haproxy_amphora, timeout_tcp_inspect, INT, "0",                      \
	    "Default TCP inspect timeout (ms).")                              \
	/* The amphora agent client (src/drivers/amphora/amphora_rest.c). */ \
	X(haproxy_amphora, bind_port, INT, "9443",                             \
	    "Port the amphora agents listen on.")                              \
	X(haproxy_amphora, client_cert, STR, "",                               \
	    "Controller's client certificate and key, PEM, presented to the "  \
	    "agents (default: <cert_dir>/client.pem).")                        \
	X(haproxy_amphora, server_ca, STR, "",                                 \
	    "CA the agents' certificates are checked against (default: "       \
	    "<cert_dir>/server_ca.pem).")                                      \
	X(haproxy_amphora, run_dir, STR, "",                                   \
	    "octa-agent: directory of HAProxy's stats and master sockets "    \
	    "(default: base_path); UNIX socket paths must stay short.")       \
	X(haproxy_amphora, base_path, STR, "",                                 \
	    "Agent's base directory on the amphora, as its [haproxy_amphora] " \
	    "base_path (default: <state_dir>/amphorae/<amphora id>, the "      \
	    "local world's; Octavia's amphorae use /var/lib/octavia).")       \
	X(haproxy_amphora, connection_max_retries, INT, "60",                  \
	    "Attempts to reach an agent that does not answer yet.")            \
	X(haproxy_amphora, connection_retry_interval, STR, "0.25",             \
	    "Seconds between those attempts (decimals allowed).")              \
	X(haproxy_amphora, rest_request_conn_timeout, INT, "10",               \
	    "Seconds to connect to an agent.")                                 \
	X(haproxy_amphora, rest_request_read_timeout, INT, "60",               \
	    "Seconds one request to an agent may take in all.")                \
	/* octa-agent, inside the amphora (src/agent/); base_path above is   \
	 * its state directory (empty: /var/lib/octavia), bind_port its     \
	 * port; heartbeats use [health_manager] controller_ip_port_list,   \
	 * heartbeat_interval and heartbeat_key. */                         \
	X(haproxy_amphora, base_cert_dir, STR, "",                             \
	    "Agent: where listener certificates are kept (default: "           \
	    "<base_path>/certs).")                                             \
	X(haproxy_amphora, bind_host, STR, "::",                               \
	    "Agent: address the amphora API listens on.")                      \
	X(haproxy_amphora, haproxy_cmd, STR, "/usr/sbin/haproxy",              \
	    "Agent: the HAProxy program.")                                     \
	X(amphora_agent, agent_server_ca, STR,                                 \
	    "/etc/octavia/certs/client_ca.pem",                                \
	    "Agent: CA that issued the controller's client certificates.")    \
	X(amphora_agent, agent_server_cert, STR,                               \
	    "/etc/octavia/certs/server.pem",                                   \
	    "Agent: its own certificate and key, one PEM file.")               \
	X(amphora_agent, amphora_id, STR, "",                                  \
	    "Agent: the id of the amphora it runs in.")                        \
	X(amphora_agent, agent_request_read_timeout, INT, "180",               \
	    "Agent: seconds a request may take to arrive.")                    \
	X(health_manager, bind_ip, STR, "127.0.0.1", "Heartbeat address.")     \
	X(health_manager, bind_port, INT, "5555", "Heartbeat UDP port.")       \
	X(health_manager, controller_ip_port_list, STR, "",                    \
	    "ip:port list amphorae send heartbeats to (default with the "      \
	    "netns compute driver: the lb-mgmt-net controller address and "    \
	    "bind_port).")                                                     \
	X(health_manager, heartbeat_key, STR, "insecure",                      \
	    "HMAC key of heartbeats.")                                         \
	X(health_manager, heartbeat_timeout, INT, "60",                        \
	    "Seconds without a heartbeat before an amphora is failed over.")   \
	X(health_manager, health_check_interval, INT, "3",                     \
	    "Seconds between stale-amphora sweeps.")                           \
	X(health_manager, heartbeat_interval, INT, "10",                       \
	    "Seconds between an amphora's heartbeats; a heartbeat not "        \
	    "processed within this time is dropped.")                          \
	X(health_manager, failover_threshold, INT, "0",                        \
	    "Stale amphorae at once that stop automatic failover "             \
	    "(FAILOVER_STOPPED); 0: no limit.")                                \
	X(health_manager, failover_threads, INT, "10",                         \
	    "Most amphora failover jobs the sweep keeps queued at once.")      \
	X(certificates, cert_dir, STR, "",                                     \
	    "CA and controller certificates (default: state_dir/certs).")     \
	X(certificates, cert_validity_time, INT, "2592000",                    \
	    "Validity of amphora certificates in seconds.")                   \
	X(certificates, cert_manager, STR, "file",                             \
	    "Secrets backend for TLS containers: file (docs/secrets.md); "     \
	    "Octavia's local_cert_manager means file.")                       \
	X(certificates, secrets_dir, STR, "",                                  \
	    "Where the file backend keeps TLS containers and secrets "         \
	    "(default: state_dir/secrets).")                                   \
	X(house_keeping, cleanup_interval, INT, "30",                          \
	    "Seconds between purges of DELETED rows.")                         \
	X(house_keeping, load_balancer_expiry_age, INT, "604800",              \
	    "Age after which DELETED load balancers are purged.")              \
	X(house_keeping, amphora_expiry_age, INT, "604800",                    \
	    "Age after which DELETED amphorae are purged.")                    \
	X(quotas, default_load_balancer_quota, INT, "-1", "")                  \
	X(quotas, default_listener_quota, INT, "-1", "")                       \
	X(quotas, default_member_quota, INT, "-1", "")                         \
	X(quotas, default_pool_quota, INT, "-1", "")                           \
	X(quotas, default_health_monitor_quota, INT, "-1", "")                 \
	X(quotas, default_l7policy_quota, INT, "-1", "")                       \
	X(quotas, default_l7rule_quota, INT, "-1", "")                         \
	X(networking, reserved_ips, STR, "169.254.169.254",                    \
	    "Addresses members may not use.")                                  \
	X(networking, allow_vip_network_id, BOOL, "true", "")                  \
	X(networking, allow_vip_subnet_id, BOOL, "true", "")                   \
	X(networking, allow_vip_port_id, BOOL, "true", "")
