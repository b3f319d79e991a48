// What the grader needs of Linux that Swift's Glibc module does not bring in: becoming the
// subreaper of its descendants, capping a child's address space from outside, and the sandbox
// a suite runs in (GraderSandbox.h).
// Both return -1 with errno ENOSYS where the system has no such call (macOS).
#ifndef GRADER_PROCESS_CONTROL_H
#define GRADER_PROCESS_CONTROL_H

#include <sys/types.h>

#include "GraderSandbox.h"

/// Makes the calling process the parent of every orphan among its descendants.
int grader_become_subreaper(void);

/// Sets the address space limit (RLIMIT_AS) of process `pid`, soft and hard, to `bytes`.
int grader_limit_address_space(pid_t pid, unsigned long long bytes);

#endif
