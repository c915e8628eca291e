/*
 * secret_cmd.h - `octa-manage secret ...` (secret_cmd.c).
 */
#ifndef OCTA_MANAGE_SECRET_CMD_H
#define OCTA_MANAGE_SECRET_CMD_H

/* argv[0] is the sub-command (create, list, show, delete); exit status. */
int manage_secret(int argc, char **argv);

#endif
