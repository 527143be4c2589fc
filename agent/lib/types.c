/*
 * types.c — names of roles, disk states and health values.
 */
#include "autoconf.h"

#include "types.h"

static const char *const role_names[RV_ROLE_COUNT] = {
	[RV_ROLE_STARTING] = "starting",
	[RV_ROLE_STANDBY] = "standby",
	[RV_ROLE_PROMOTING] = "promoting",
	[RV_ROLE_ACTIVE] = "active",
	[RV_ROLE_DEMOTING] = "demoting",
	[RV_ROLE_FENCING] = "fencing",
	[RV_ROLE_BLOCKED] = "blocked",
	[RV_ROLE_MAINTENANCE] = "maintenance",
};

static const char *const disk_names[RV_DISK_COUNT] = {
	[RV_DISK_UNKNOWN] = "unknown",
	[RV_DISK_DISKLESS] = "diskless",
	[RV_DISK_FAILED] = "failed",
	[RV_DISK_INCONSISTENT] = "inconsistent",
	[RV_DISK_OUTDATED] = "outdated",
	[RV_DISK_CONSISTENT] = "consistent",
	[RV_DISK_UPTODATE] = "uptodate",
};

static const char *const health_names[RV_HEALTH_COUNT] = {
	[RV_HEALTH_UNKNOWN] = "unknown",
	[RV_HEALTH_OK] = "ok",
	[RV_HEALTH_DEGRADED] = "degraded",
	[RV_HEALTH_FAILED] = "failed",
};

const char *
rv_role_name(int role)
{
	return role >= 0 && role < RV_ROLE_COUNT ? role_names[role] : "invalid";
}

const char *
rv_disk_name(int disk)
{
	return disk >= 0 && disk < RV_DISK_COUNT ? disk_names[disk] : "invalid";
}

const char *
rv_health_name(int health)
{
	return health >= 0 && health < RV_HEALTH_COUNT ? health_names[health] : "invalid";
}

int
rv_role_holds(int role)
{
	return role == RV_ROLE_PROMOTING || role == RV_ROLE_ACTIVE ||
	       role == RV_ROLE_DEMOTING;
}
