/*
 * types.h — the vocabulary relevod and the tools share: roles, disk states,
 * health. Names here are what logs, status output and the wire use; change
 * one and every consumer changes with it.
 */
#ifndef RELEVO_TYPES_H
#define RELEVO_TYPES_H

#include <stdint.h>

/* Roles of a node (DESIGN §3). Values go on the wire: append only. */
enum rv_role {
	RV_ROLE_STARTING = 0,
	RV_ROLE_STANDBY = 1,
	RV_ROLE_PROMOTING = 2,
	RV_ROLE_ACTIVE = 3,
	RV_ROLE_DEMOTING = 4,
	RV_ROLE_FENCING = 5,
	RV_ROLE_BLOCKED = 6,
	RV_ROLE_MAINTENANCE = 7,
	RV_ROLE_COUNT
};

/* Local disk state of the spool as DRBD names it. Values go on the wire. */
enum rv_disk {
	RV_DISK_UNKNOWN = 0,
	RV_DISK_DISKLESS = 1,
	RV_DISK_FAILED = 2,
	RV_DISK_INCONSISTENT = 3,
	RV_DISK_OUTDATED = 4,
	RV_DISK_CONSISTENT = 5,
	RV_DISK_UPTODATE = 6,
	RV_DISK_COUNT
};

/* Health of the node's resources. Values go on the wire. */
enum rv_health {
	RV_HEALTH_UNKNOWN = 0,
	RV_HEALTH_OK = 1,
	RV_HEALTH_DEGRADED = 2,
	RV_HEALTH_FAILED = 3,
	RV_HEALTH_COUNT
};

/* Lower-case names ("standby", "uptodate", "ok"); "invalid" when out of range. */
const char *rv_role_name(int role);
const char *rv_disk_name(int disk);
const char *rv_health_name(int health);

/* True for the roles that imply holding the site's resources (promoting,
 * active, demoting). BLOCKED and MAINTENANCE may or may not hold them: the
 * STATE message carries an explicit flag for that. */
int rv_role_holds(int role);

#endif
