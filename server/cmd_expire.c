/*
 * cmd_expire.c - the expiry commands.
 */
#include "command.h"

struct command expire_commands[] = {
    {0},
};
