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
	X(database, connection, STR, "",                                       \
	    "sqlite:///PATH or mysql+pymysql://USER:PASS@HOST/DB "             \
	    "(default: sqlite in state_dir).")                                 \
	X(controller_worker, compute_driver, STR, "compute_noop_driver",       \
	    "compute_noop_driver.")                                            \
	X(controller_worker, network_driver, STR, "network_noop_driver",       \
	    "network_noop_driver.")                                            \
	X(controller_worker, amphora_driver, STR, "amphora_noop_driver",       \
	    "amphora_noop_driver.")                                            \
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
	X(health_manager, bind_ip, STR, "127.0.0.1", "Heartbeat address.")     \
	X(health_manager, bind_port, INT, "5555", "Heartbeat UDP port.")       \
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
