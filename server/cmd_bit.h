/*
 * cmd_bit.h - the bitmap commands' table (cmd_bit.c), for command.c's
 * index: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
 */
#ifndef GROVE_CMD_BIT_H
#define GROVE_CMD_BIT_H

#include "command.h"

/* NULL-name terminated; not const: command_table_init fills in `parent`
 * and `fullname` once. */
extern struct command bit_commands[];

#endif
