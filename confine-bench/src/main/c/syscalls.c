/*
 * The physical floor for confine's syscall section: the same calls, in the same order, from C,
 * with the same number of threads alive (glibc applies setgroups/setresgid/setresuid to every
 * thread of the process, so the thread count matters).
 *
 *   syscalls ROOT UID GID THREADS
 *
 * Prints "SYSCALLS_NS <n> THREADS <t>" and exits 0 once getresuid/getresgid read back UID/GID.
 * It confines itself: run it only as a child, in a fresh jail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

static void *park(void *unused) {
  (void) unused;
  for (;;) {
    pause();
  }
  return NULL;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fail(const char *what) {
  fprintf(stderr, "syscalls: %s failed: %s\n", what, strerror(errno));
  exit(2);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: syscalls ROOT UID GID THREADS\n");
    return 64;
  }
  const char *root = argv[1];
  uid_t uid = (uid_t) strtoul(argv[2], NULL, 10);
  gid_t gid = (gid_t) strtoul(argv[3], NULL, 10);
  int threads = atoi(argv[4]);
  for (int i = 1; i < threads; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, park, NULL) != 0) {
      fail("pthread_create");
    }
  }

  long long start = now_ns();
  /* Like confine: every component opened with O_NOFOLLOW, so no symbolic link is followed. */
  const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = open("/", flags);
  if (fd < 0) fail("open");
  char path[4096];
  snprintf(path, sizeof path, "%s", root);
  for (char *save = NULL, *part = strtok_r(path, "/", &save); part != NULL; part = strtok_r(NULL, "/", &save)) {
    int next = openat(fd, part, flags);
    if (next < 0) fail("openat");
    close(fd);
    fd = next;
  }
  /* Like confine: the opened root is checked to be the directory preflight checked (dev, ino). */
  struct stat opened;
  if (fstat(fd, &opened) != 0) fail("fstat");
  if (fchdir(fd) != 0) fail("fchdir");
  if (chroot(".") != 0) fail("chroot");
  if (chdir("/") != 0) fail("chdir");
  if (close(fd) != 0) fail("close");
  if (setgroups(0, NULL) != 0) fail("setgroups");
  if (setresgid(gid, gid, gid) != 0) fail("setresgid");
  if (setresuid(uid, uid, uid) != 0) fail("setresuid");
  long long elapsed = now_ns() - start;

  uid_t r, e, s;
  gid_t gr, ge, gs;
  if (getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid) fail("getresuid check");
  if (getresgid(&gr, &ge, &gs) != 0 || gr != gid || ge != gid || gs != gid) fail("getresgid check");
  printf("SYSCALLS_NS %lld THREADS %d\n", elapsed, threads);
  return 0;
}
