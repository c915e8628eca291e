/*
 * network_cmd.h - `octa-manage network|subnet|amphora-netns ...`
 * (network_cmd.c): the local network world of docs/local-world.md.
 */
#ifndef OCTA_MANAGE_NETWORK_CMD_H
#define OCTA_MANAGE_NETWORK_CMD_H

#include <stdbool.h>

/* True if argv[0] is a command of network_cmd.c. */
bool manage_network_handles(const char *cmd);
/* argv[0] is the command (network, subnet, amphora-netns); exit status. */
int manage_network(int argc, char **argv);

#endif
