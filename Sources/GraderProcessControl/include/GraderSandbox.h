// Starts a suite's test process in a sandbox the grader builds itself, with the C library alone:
// fresh user, mount, PID, network and IPC namespaces (Linux), or, where those are refused, as an
// unprivileged user. Sources/GraderKit/Isolation/Sandbox.swift decides what the sandbox holds.
#ifndef GRADER_SANDBOX_H
#define GRADER_SANDBOX_H

#include <sys/types.h>

/// What one step of building the sandbox's file system does. Paths are absolute: a source is a
/// path of the machine, a target one inside the sandbox.
enum grader_sandbox_step_kind {
  /// Binds `source` at `target` (a folder or a file), recursively if `recursive`, read-only if `read_only`.
  GRADER_SANDBOX_BIND = 1,
  /// Makes the mount at `target` read-only, keeping its other flags.
  GRADER_SANDBOX_READ_ONLY = 2,
  /// Mounts an empty tmpfs at `target`, with `source` as its options (`mode=1777,size=…`).
  GRADER_SANDBOX_TMPFS = 3,
  /// Mounts a proc file system of the sandbox's PID namespace at `target`.
  GRADER_SANDBOX_PROC = 4,
  /// Makes `target` a symbolic link whose text is `source`.
  GRADER_SANDBOX_SYMLINK = 5,
};

typedef struct {
  int kind;
  const char *source;
  const char *target;
  int recursive;
  int read_only;
  /// Whether a missing source, or a target that is no mount point, skips the step instead of failing.
  int optional;
} grader_sandbox_step;

typedef struct {
  /// An absolute path, run with `argv` and `envp` (NULL-terminated).
  const char *executable;
  char *const *argv;
  char *const *envp;
  /// Becomes the child's standard output and error; its standard input is /dev/null.
  int output_fd;
  /// Descriptors handed to the child under other numbers, `sources[i]` as `targets[i]`.
  const int *descriptor_sources;
  const int *descriptor_targets;
  int descriptor_count;
  /// The write end of a close-on-exec pipe: the sandbox writes a `grader_sandbox_report` into it.
  int report_fd;
  /// 1: fresh namespaces, with `steps`. 0: a plain child. Either way, as `user` and `group` if they
  /// are not -1 (root's sandbox: a user namespace that maps them alone, not root, to themselves).
  int uses_namespaces;
  const grader_sandbox_step *steps;
  int step_count;
  /// The child's working folder, inside the sandbox.
  const char *directory;
  long long user;
  long long group;
  /// Limits of the test process (0: none): address space, processes of its user, file size.
  unsigned long long address_space;
  unsigned long long processes;
  unsigned long long file_size;
} grader_sandbox;

/// What the sandbox tells the grader through `report_fd`.
typedef struct {
  /// 'E': the sandbox could not be made (`step`, -1 for the namespaces themselves, -2 for the
  /// limits and the user, -3 for exec; `error` is errno). 'S': the test process ended, with the
  /// wait `status` the kernel gave its PID 1. Nothing: the child was killed, or exec'd (no namespaces).
  char kind;
  int step;
  int error;
  int status;
} grader_sandbox_report;

/// Starts the child; returns 0 and its PID, or an errno. The child is the leader of a new
/// process group; with namespaces it is the sandbox's PID 1, which runs the test process.
int grader_sandbox_spawn(const grader_sandbox *sandbox, pid_t *pid);

#endif
