// prlimit is a GNU extension: it must be asked for before the first header.
#define _GNU_SOURCE

#include "GraderProcessControl.h"

#include <errno.h>

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/resource.h>

int grader_become_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int grader_limit_address_space(pid_t pid, unsigned long long bytes) {
  struct rlimit limit = {.rlim_cur = bytes, .rlim_max = bytes};
  return prlimit(pid, RLIMIT_AS, &limit, 0);
}
#else
int grader_become_subreaper(void) {
  errno = ENOSYS;
  return -1;
}

int grader_limit_address_space(pid_t pid, unsigned long long bytes) {
  (void)pid;
  (void)bytes;
  errno = ENOSYS;
  return -1;
}
#endif
